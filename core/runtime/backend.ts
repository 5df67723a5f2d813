/**
 * Which backend an engine runs on: WebGPU when the browser has an adapter
 * that fits the model, else WASM, always with a reason a UI can show, and an
 * explicit override.
 *
 * "Fits": float16 weights need the adapter's `shader-f16` feature, and the
 * largest weight must fit both `maxBufferSize` and
 * `maxStorageBufferBindingSize` (ORT asks for the adapter's maxima). WASM runs
 * multi-threaded only where the page is `crossOriginIsolated` (COOP/COEP
 * headers): SharedArrayBuffer needs it.
 *
 * Browser-safe; in Node there is no `navigator.gpu`, so `auto` picks WASM.
 */
import { errorMessage, RuntimeError } from '../errors';
import { navigatorGpu, type Gpu, type GpuAdapter } from '../gpu/webgpu';
import type { WeightProfile } from './weights';

export type BackendName = 'webgpu' | 'wasm';
/** `auto` picks; the others force a backend. */
export type BackendPreference = 'auto' | BackendName;

/** What matters about a WebGPU adapter, as plain data (it crosses to the main thread). */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  description: string;
  /** A software or otherwise limited adapter (e.g. SwiftShader). */
  fallback: boolean;
  shaderF16: boolean;
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

/** A WebGPU probe: the adapter, or why there is none. */
export type WebGpuProbe = { ok: true; adapter: AdapterSummary } | { ok: false; reason: string };

/** The decision, with everything a UI or a bug report needs. */
export interface BackendChoice {
  backend: BackendName;
  /** One sentence for people: why this backend. */
  reason: string;
  /** WASM threads ORT will use (also for the CPU parts of a WebGPU run). */
  threads: number;
  /** Whether the page is cross-origin isolated (multi-threaded WASM possible). */
  crossOriginIsolated: boolean;
  adapter?: AdapterSummary;
}

/** What the model needs, from its UNet (the largest component). */
export interface ModelNeeds {
  /** Float type most weights are in. */
  floatType: WeightProfile['floatType'];
  /** Whether any graph input or output is float16 (also needs `shader-f16` on WebGPU). */
  float16Io: boolean;
  largestWeightBytes: number;
  largestWeightName?: string;
}

/** Asks the browser for a WebGPU adapter; never throws. */
export async function probeWebGpu(gpu: Gpu | undefined = navigatorGpu()): Promise<WebGpuProbe> {
  if (!gpu) return { ok: false, reason: 'this browser has no WebGPU (navigator.gpu is missing)' };
  let adapter: GpuAdapter | null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (error) {
    return { ok: false, reason: `asking for a WebGPU adapter failed (${errorMessage(error)})` };
  }
  if (!adapter) return { ok: false, reason: 'the browser has WebGPU but offers no adapter (GPU blocklisted or disabled)' };
  const info = adapter.info ?? {};
  return {
    ok: true,
    adapter: {
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      description: info.description ?? '',
      fallback: info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? isSoftwareRenderer(info),
      shaderF16: adapter.features.has('shader-f16'),
      maxBufferSize: adapter.limits.maxBufferSize,
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    },
  };
}

/** Inputs of {@link chooseBackend}. */
export interface BackendInputs {
  preference?: BackendPreference;
  webgpu: WebGpuProbe;
  /** Unknown (e.g. not profiled yet) means "assume it fits". */
  model?: ModelNeeds;
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  /** Explicit WASM thread count (clamped to 1 without cross-origin isolation). */
  numThreads?: number;
}

/**
 * Picks the backend. Pure: the caller probes the browser and the model.
 *
 * @throws {RuntimeError} when `webgpu` is forced but the browser has no adapter.
 */
export function chooseBackend(inputs: BackendInputs): BackendChoice {
  const { webgpu, model, preference = 'auto' } = inputs;
  const threads = wasmThreads(inputs);
  const base = { threads, crossOriginIsolated: inputs.crossOriginIsolated };
  const adapter = webgpu.ok ? webgpu.adapter : undefined;
  const withAdapter = adapter ? { adapter } : {};
  const threading = threads > 1 ? `${threads} threads` : inputs.crossOriginIsolated ? '1 thread' : '1 thread: the page is not cross-origin isolated';

  if (preference === 'wasm') return { ...base, ...withAdapter, backend: 'wasm', reason: `WASM was chosen explicitly (${threading}).` };
  if (!webgpu.ok) {
    if (preference === 'webgpu') {
      throw new RuntimeError(`WebGPU was requested, but ${webgpu.reason}. Use the automatic backend choice to run on the CPU (WASM) instead.`);
    }
    return { ...base, backend: 'wasm', reason: `WASM (${threading}), because ${webgpu.reason}.` };
  }
  // A software adapter runs the UNet several times slower than the CPU's own WASM threads
  // (an 8-step inpaint measured 1 min 59 s on SwiftShader against about 20 s on WASM).
  if (preference === 'auto' && webgpu.adapter.fallback) {
    return {
      ...base,
      ...withAdapter,
      backend: 'wasm',
      reason: `WASM (${threading}), because the only WebGPU adapter is a software renderer, slower than the CPU; choose WebGPU to use it anyway.`,
    };
  }
  const misfit = model && fitProblem(model, webgpu.adapter);
  if (preference === 'webgpu') {
    return {
      ...base,
      ...withAdapter,
      backend: 'webgpu',
      reason: `WebGPU was chosen explicitly${misfit ? `, although ${misfit}` : ''}.`,
    };
  }
  if (misfit) return { ...base, ...withAdapter, backend: 'wasm', reason: `WASM (${threading}), because ${misfit}.` };
  const name = [webgpu.adapter.vendor, webgpu.adapter.architecture].filter(Boolean).join(' ') || 'the GPU';
  const fits = model
    ? `; the model (${model.floatType}, largest weight ${mb(model.largestWeightBytes)}) fits its limits`
    : '';
  return { ...base, ...withAdapter, backend: 'webgpu', reason: `WebGPU on ${name}${webgpu.adapter.fallback ? ' (a software fallback adapter: slow)' : ''}${fits}.` };
}

/** SwiftShader, llvmpipe and lavapipe: CPU renderers that not every browser flags as fallback adapters. */
function isSoftwareRenderer(info: { vendor?: string; architecture?: string; description?: string }): boolean {
  return /swiftshader|llvmpipe|lavapipe|software/i.test(`${info.vendor ?? ''} ${info.architecture ?? ''} ${info.description ?? ''}`);
}

/** Why the model does not fit the adapter, or `undefined` when it does. */
export function fitProblem(model: ModelNeeds, adapter: AdapterSummary): string | undefined {
  if ((model.floatType === 'float16' || model.float16Io) && !adapter.shaderF16) {
    return 'the model uses float16 and this GPU lacks shader-f16';
  }
  const limit = Math.min(adapter.maxBufferSize, adapter.maxStorageBufferBindingSize);
  if (model.largestWeightBytes > limit) {
    const which = adapter.maxStorageBufferBindingSize <= adapter.maxBufferSize ? 'maxStorageBufferBindingSize' : 'maxBufferSize';
    return `the model's largest weight${model.largestWeightName ? ` (${model.largestWeightName})` : ''} is ${mb(model.largestWeightBytes)}, more than this GPU's ${which} of ${mb(limit)}`;
  }
  return undefined;
}

function wasmThreads(inputs: BackendInputs): number {
  if (!inputs.crossOriginIsolated) return 1;
  if (inputs.numThreads !== undefined) return Math.max(1, Math.floor(inputs.numThreads));
  // The engine runs in a Worker, so the page keeps its own thread; ORT gains
  // little beyond 4 threads on these graphs.
  return Math.max(1, Math.min(4, inputs.hardwareConcurrency || 1));
}

function mb(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
