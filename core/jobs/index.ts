/**
 * Jobs: progress events, and the engine in a Web Worker behind a typed
 * message protocol (`createWorkerEditor` on the page, `core/jobs/worker.ts`
 * as the worker's entry module).
 */
export type { EditPhase, EditProgress, ProgressCallback } from './progress';
export { createWorkerEditor, WorkerEditor } from './client';
export type { EditorLike, RetryableGpuError, WorkerEditorOptions, WorkerEditResult, WorkerLike } from './client';
export { WorkerEngine, serveWorkerEngine, type EngineDeps } from './engine';
export type {
  EngineInfo,
  EngineOptions,
  EngineStats,
  MessageEndpoint,
  WireEditRequest,
  WireEditResult,
  WireError,
  WorkerModelSource,
  WorkerRequest,
  WorkerResponse,
} from './protocol';
export { yieldToEventLoop } from './yield';
