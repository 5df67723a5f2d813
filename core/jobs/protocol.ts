/**
 * The typed messages between a page and the engine running in a Web Worker.
 *
 * One engine per worker. The page sends `init` once, then `start` per edit
 * (with a job id it picks), `cancel` to stop a job, `stats` for counters and
 * `dispose` at the end. The worker answers each request by id: `ready`,
 * then per job any number of `progress` / `preview` and exactly one `result`
 * or `error`. Image buffers travel as transferables (no copies).
 */
import type { EditMeta, EditResult, EditWarning } from '../editor';
import type { EngineInfo } from '../engine-info';
import type { StippleErrorCode } from '../errors';
import type { GpuCounters } from '../gpu/context';
import type { GpuFailure } from '../gpu/errors';
import type { Mask, RgbaImage } from '../image';
import type { DownloadProgress, PostedModelInput } from '../delivery';
import type { EditRequest, Operation } from '../pipelines/request';
import type { StepTimings } from '../pipelines/denoise';
import type { BackendPreference } from '../runtime/backend';
import type { RecordedNoise } from '../tensor/replay';

export type { EngineInfo };
import type { EditProgress } from './progress';

/**
 * Where the worker reads the model from: core's one posted model form.
 *
 * @deprecated Use {@link PostedModelInput} (core/delivery).
 */
export type WorkerModelSource = PostedModelInput;

/** How to set the engine up. */
export interface EngineOptions {
  model: PostedModelInput;
  /** TAESD's two halves (e.g. `{ preset: 'taesd' }`): live runs decode with it. */
  taesd?: PostedModelInput;
  /** `auto` (default): WebGPU when an adapter fits the model, else WASM. */
  backend?: BackendPreference;
  /** WASM threads (default: up to 4 when the page is cross-origin isolated, else 1). */
  numThreads?: number;
  /**
   * URL prefix of onnxruntime-web's `.wasm` / `.mjs` files (its `dist/`
   * folder as served). Default: next to the worker's own script.
   */
  wasmPaths?: string;
  /** See `EditorOptions.lowMemory`; default: on for WebGPU adapters with small buffer limits. */
  lowMemory?: boolean;
  /** Keep the denoising loop on the GPU (WebGPU only; default true). */
  residency?: boolean;
  /** Count every GPU buffer map in the worker (tests and benchmarks; patches `GPUBuffer.prototype`). */
  instrument?: boolean;
}

/** {@link EditRequest} as it crosses: no functions or signals, noise only as a recording. */
export type WireEditRequest = Omit<EditRequest, 'signal' | 'onProgress' | 'noise'> & {
  /** Recorded draws to replay (e.g. from a diffusers fixture). */
  noise?: RecordedNoise[];
};

/** An edit's result as it crosses (the same shape as `EditResult`). */
export interface WireEditResult {
  images: RgbaImage[];
  raw: Float32Array;
  meta: EditMeta;
  warnings: EditWarning[];
  timings: StepTimings;
  /** DiffEdit's mask, inverted latents and stage costs (`diffedit` only). */
  diffedit?: EditResult['diffedit'];
  /** Recorded draws left unused (0 after a faithful replay); absent for seeded runs. */
  noiseRemaining?: number;
}

/** An error as it crosses: enough to rebuild a typed error on the page. */
export interface WireError {
  name: string;
  message: string;
  code?: StippleErrorCode;
  canRetryOnWasm?: boolean;
  failure?: GpuFailure;
}

/** Counters for tests and diagnostics. */
export interface EngineStats {
  gpu?: GpuCounters;
  /** Every `GPUBuffer.mapAsync` in the worker so far, when `instrument` is on. */
  mapAsyncCalls?: number;
  /** Jobs started and not yet finished. */
  activeJobs: number;
}

export type WorkerRequest =
  | { type: 'init'; id: number; options: EngineOptions }
  | {
      type: 'start';
      id: number;
      operation: Operation;
      request: WireEditRequest;
      /** Send `progress` messages (and `preview` ones when `request.previewEvery` > 0). */
      progress: boolean;
      /** Per-job override of {@link EngineOptions.residency} (benchmarks compare both in one session). */
      residency?: boolean;
    }
  | { type: 'cancel'; id: number }
  | { type: 'stats'; id: number }
  | { type: 'dispose'; id: number };

export type WorkerResponse =
  | { type: 'ready'; id: number; info: EngineInfo }
  /** Model download progress during `init` (only for sources that go through the cache). */
  | { type: 'download'; id: number; progress: DownloadProgress }
  | { type: 'progress'; id: number; event: Exclude<EditProgress, { type: 'preview' }> }
  | { type: 'preview'; id: number; step: number; total: number; images: RgbaImage[] }
  | { type: 'result'; id: number; result: WireEditResult }
  | { type: 'error'; id: number; error: WireError }
  | { type: 'stats'; id: number; stats: EngineStats }
  | { type: 'disposed'; id: number };

/** The part of `Worker` / `DedicatedWorkerGlobalScope` / `MessagePort` the protocol uses. */
export interface MessageEndpoint {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener?(type: 'message', listener: (event: MessageEvent) => void): void;
}

/** The distinct buffers behind some images (a transfer list must not repeat one). */
export function imageTransfers(images: readonly (RgbaImage | Mask | undefined)[], extra: (ArrayBufferView | undefined)[] = []): Transferable[] {
  const set = new Set<ArrayBuffer>();
  for (const v of [...images.map((i) => i?.data), ...extra]) {
    if (v && v.buffer instanceof ArrayBuffer && v.buffer.byteLength > 0) set.add(v.buffer);
  }
  return [...set];
}
