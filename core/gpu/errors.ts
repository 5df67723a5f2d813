/**
 * GPU failures a designer can act on: the device was lost (driver reset, GPU
 * process crash, laptop switching GPUs) or ran out of memory. Both end the
 * edit with {@link GpuRuntimeError}, whose `canRetryOnWasm` tells a UI to
 * offer "try again on the CPU" (the worker client's `retryOnWasm()` does it).
 */
import { errorMessage, RuntimeError } from '../errors';

/** Why the GPU gave up. */
export type GpuFailure = 'device-lost' | 'out-of-memory';

/** The WebGPU device was lost or ran out of memory; the same edit can run on WASM. */
export class GpuRuntimeError extends RuntimeError {
  readonly failure: GpuFailure;
  /** Always true: the CPU (WASM) backend does not depend on the GPU. */
  readonly canRetryOnWasm = true as const;

  constructor(failure: GpuFailure, detail: string, options?: { cause?: unknown }) {
    super(
      failure === 'device-lost'
        ? `The GPU stopped working during the edit (${detail}). Nothing was changed. You can try again on the CPU (WASM): slower, but it does not need the GPU.`
        : `The GPU ran out of memory (${detail}). Nothing was changed. Try a smaller image or fewer images at once, close other GPU-heavy tabs, or run on the CPU (WASM).`,
      options,
    );
    this.failure = failure;
  }
}

const LOST = /device (is |was )?lost|device.*destroyed|GPUDevice.*(lost|destroyed)|context lost/i;
const OOM = /out of memory|\bOOM\b|GPUOutOfMemoryError|failed to allocate|allocation failed|bad_alloc|not enough memory/i;

/**
 * The {@link GpuRuntimeError} an error from a WebGPU run stands for, or
 * `undefined` when it is something else (a model or input problem). `lost`
 * is the device's lost info when the device is known to be gone: then any
 * failure is blamed on it.
 */
export function asGpuError(error: unknown, lost?: { reason: string; message: string }): GpuRuntimeError | undefined {
  if (error instanceof GpuRuntimeError) return error;
  const message = messageChain(error);
  if (lost) return new GpuRuntimeError('device-lost', lost.message || lost.reason || 'device lost', { cause: error });
  if (LOST.test(message)) return new GpuRuntimeError('device-lost', firstLine(message), { cause: error });
  if (OOM.test(message)) return new GpuRuntimeError('out-of-memory', firstLine(message), { cause: error });
  return undefined;
}

/** The messages of an error and its causes, joined (ORT errors are often wrapped). */
function messageChain(error: unknown): string {
  const parts: string[] = [];
  let e: unknown = error;
  for (let depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    parts.push(errorMessage(e));
    e = e instanceof Error ? (e as { cause?: unknown }).cause : undefined;
  }
  return parts.join(' <- ');
}

function firstLine(s: string): string {
  const line = s.split('\n')[0]!;
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
