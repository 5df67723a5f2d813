/**
 * ONNX Runtime's out-of-memory failures, told apart by where the memory ran
 * out. On onnxruntime-web's WASM backend the wall is the 4 GiB wasm32 heap of
 * one ORT instance, not the machine: closing tabs does not help, a smaller
 * working size or another backend does. Only the native runtime is limited by
 * the machine's memory.
 *
 * Browser-safe.
 */
import { ResourceLimitError } from '../errors';
import type { OrtRuntime } from './ort';

const OOM = /out of memory|\bOOM\b|bad_alloc|allocation failed|could not allocate|failed to allocate|memory access out of bounds/i;

/** Whether ORT's error message says it ran out of memory. */
export function isOutOfMemory(message: string): boolean {
  return OOM.test(message);
}

/** Which kind of memory an ORT instance allocates from. */
export function memoryKind(ort: OrtRuntime): 'wasm' | 'native' {
  const versions = (ort.env as { versions?: { node?: string; web?: string } }).versions;
  return versions?.node !== undefined && versions.web === undefined ? 'native' : 'wasm';
}

/**
 * The error for an out-of-memory failure while loading or running `file`,
 * or `undefined` when `message` is not one.
 */
export function outOfMemoryError(ort: OrtRuntime, file: string, action: 'load' | 'run', message: string, cause: unknown): ResourceLimitError | undefined {
  if (!isOutOfMemory(message)) return undefined;
  const kind = memoryKind(ort);
  const verb = action === 'load' ? 'load' : 'run';
  const advice =
    kind === 'wasm'
      ? `WASM memory is full: one WASM instance holds at most 4 GiB for all of a model's parts, however much memory this computer has. ` +
        `Use a smaller working size, a smaller (or float16 on WebGPU) model, or WebGPU or the native runtime (--runtime native).`
      : `this computer ran out of memory. Close other apps, use a smaller working size, or a smaller model.`;
  return new ResourceLimitError(`Not enough memory to ${verb} ${file} (${message}): ${advice}`, { backend: kind }, { cause });
}
