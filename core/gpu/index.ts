/**
 * WebGPU plumbing of the browser runtime: the device context shared with
 * ONNX Runtime, the loop's kernels, GPU errors, and a readback counter.
 * Import-safe everywhere (nothing touches `navigator` at import time).
 */
export { GpuContext, GpuScope, type GpuCounters } from './context';
export { GpuRuntimeError, asGpuError, type GpuFailure } from './errors';
export { installMapAsyncCounter, mapAsyncCalls } from './instrument';
export { Kernels, LINCOMB_ARITY, type LinearTerm } from './kernels';
export { navigatorGpu, type Gpu, type GpuAdapter, type GpuBuffer, type GpuDevice } from './webgpu';
