/**
 * What the canvas host runs edits on: anything with the `edit` API of
 * core's `Editor`. The in-process `Editor` (from `createEditor`) fits as is,
 * and so does a Worker client with the same API.
 */
import type { EditResult } from '../../core/editor';
import type { EditRequest, Operation } from '../../core/pipelines/request';

export interface EditEngine {
  /** The edits the loaded model can run. */
  readonly operations: readonly Operation[];
  /** Runs one edit; rejects with a `CancelledError` when `request.signal` aborts. */
  edit(operation: Operation, request: EditRequest): Promise<EditResult>;
  /** Releases the model's sessions. */
  dispose(): void | Promise<void>;
}
