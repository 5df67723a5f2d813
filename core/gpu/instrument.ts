/**
 * An opt-in counter of every `GPUBuffer.mapAsync` call in this realm (page
 * or worker): ORT's downloads (`getData`, CPU-located outputs) and Stipple's
 * own alike. The GPU loop's own {@link GpuContext.readback} count only sees
 * Stipple's downloads; this one proves nothing else reads back per step.
 *
 * Patches `GPUBuffer.prototype` when installed, so it is for tests,
 * benchmarks and diagnostics, not for production pages.
 */

let calls: number | undefined;

/** Installs the counter once; false where WebGPU does not exist. */
export function installMapAsyncCounter(): boolean {
  if (calls !== undefined) return true;
  const ctor = (globalThis as { GPUBuffer?: { prototype: { mapAsync: (...args: unknown[]) => Promise<void> } } }).GPUBuffer;
  if (!ctor) return false;
  const original = ctor.prototype.mapAsync;
  calls = 0;
  ctor.prototype.mapAsync = function (this: unknown, ...args: unknown[]) {
    calls = (calls ?? 0) + 1;
    return original.apply(this, args);
  };
  return true;
}

/** Calls so far, or `undefined` when the counter is not installed. */
export function mapAsyncCalls(): number | undefined {
  return calls;
}
