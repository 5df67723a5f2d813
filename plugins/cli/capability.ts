/**
 * What the CLI's runtime can hold, for the editor's check before loading:
 * the wasm heap on WASM, the machine's memory on the native runtime.
 */
import { totalmem } from 'node:os';
import { backendLimits, type BackendLimits } from '../../core/runtime/capability';
import type { SelectedRuntime } from '../../core/runtime';

export function cliLimits(runtime: SelectedRuntime): BackendLimits {
  return runtime.selection.runtime === 'native' ? backendLimits('native', totalmem()) : backendLimits('wasm');
}
