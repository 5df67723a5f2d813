/**
 * The page side of the worker protocol: {@link WorkerEditor} has the
 * in-process {@link Editor}'s surface (`operations`, `edit`, `dispose`), so a
 * host adapter does not care where the engine runs. Progress callbacks and
 * AbortSignals work through messages; result and preview images arrive as
 * transferred buffers.
 *
 * @example
 * ```ts
 * const editor = await createWorkerEditor({
 *   worker: () => new Worker(new URL('./stipple-worker.js', import.meta.url), { type: 'module' }),
 *   model: { url: 'https://example.com/models/sd-inpaint/' },
 *   wasmPaths: '/ort/',   // where onnxruntime-web's dist/ files are served
 * });
 * editor.info.backend; // { backend: 'webgpu', reason: 'WebGPU on …', threads: 4, … }
 * const result = await editor.edit('inpaint', { image, mask, prompt: 'a red fox', signal });
 * ```
 */
import type { DownloadProgress } from '../delivery';
import type { EditResult, Editor } from '../editor';
import type { EditEngine } from '../engine';
import { CancelledError, RuntimeError, StippleError } from '../errors';
import { GpuRuntimeError } from '../gpu/errors';
import { InvalidInputError, type Mask, type RgbaImage } from '../image';
import type { EditRequest, Operation } from '../pipelines/request';
import { startLive, type LiveOptions, type LiveSession } from '../live/session';
import type { BackendChoice } from '../runtime/backend';
import { ReplayNoise } from '../tensor/replay';
import type { ProgressCallback } from './progress';
import {
  imageTransfers,
  type EngineInfo,
  type EngineOptions,
  type EngineStats,
  type MessageEndpoint,
  type WireEditRequest,
  type WireEditResult,
  type WireError,
  type WorkerRequest,
  type WorkerResponse,
} from './protocol';

/**
 * What {@link Editor} and {@link WorkerEditor} have in common.
 *
 * @deprecated Use `EditEngine` (core/engine.ts), the one engine interface.
 */
export type EditorLike = EditEngine;

/** A Worker, or anything that behaves like one (a MessagePort wrapper in tests). */
export interface WorkerLike extends MessageEndpoint {
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  addEventListener(type: 'error', listener: (event: ErrorEvent) => void): void;
  terminate(): void;
}

export interface WorkerEditorOptions extends EngineOptions {
  /**
   * The worker running `core/jobs/worker.ts`, or a function that makes one.
   * A function is needed for {@link WorkerEditor.retryOnWasm}, which replaces
   * the worker.
   */
  worker: WorkerLike | (() => WorkerLike);
  /**
   * Transfer the request's image and mask buffers instead of copying them:
   * saves a copy, but the caller's arrays become empty (and a retry cannot
   * resend them). Default false.
   */
  transferInputs?: boolean;
  /**
   * Model download progress while the engine starts (presets, repo URLs and
   * manifests, which the worker downloads into its cache; not `{ url }`).
   */
  onDownloadProgress?: (progress: DownloadProgress) => void;
}

/** An edit's result from a worker: {@link EditResult} plus replay bookkeeping. */
export type WorkerEditResult = EditResult & {
  /** Recorded noise draws left unused (0 after a faithful replay); absent for seeded runs. */
  noiseRemaining?: number;
};

/** A GPU failure from a worker, with a one-call retry on WASM. */
export type RetryableGpuError = GpuRuntimeError & {
  /** Restarts the engine on WASM and runs the same edit again. */
  retryOnWasm(): Promise<WorkerEditResult>;
};

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  onProgress?: ProgressCallback;
}

/** Starts the engine in a worker, loads the model, and resolves once it is ready. */
export async function createWorkerEditor(options: WorkerEditorOptions): Promise<WorkerEditor> {
  const editor = new WorkerEditor(options);
  try {
    await editor.ready;
  } catch (error) {
    editor.terminate();
    throw error;
  }
  return editor;
}

/** An editor whose engine runs in a Web Worker; see the module notes. */
export class WorkerEditor implements EditEngine {
  readonly #options: WorkerEditorOptions;
  #worker!: WorkerLike;
  #info: EngineInfo | undefined;
  #ready!: Promise<EngineInfo>;
  #nextId = 1;
  #pending = new Map<number, Pending>();
  #disposed = false;

  constructor(options: WorkerEditorOptions) {
    this.#options = options;
    this.#spawn(options);
  }

  /** Resolves with the engine's info once the model is loaded; rejects with the typed error otherwise. */
  get ready(): Promise<EngineInfo> {
    return this.#ready;
  }

  /** The engine's info (backend choice and reason, model kind, …). Throws before {@link ready}. */
  get info(): EngineInfo {
    if (!this.#info) throw new InvalidInputError('The worker engine is not ready yet: await createWorkerEditor(...).');
    return this.#info;
  }

  get backend(): BackendChoice {
    return this.info.backend;
  }

  /** The edits this model can run. */
  get operations(): Operation[] {
    return this.info.operations;
  }

  /**
   * Runs an edit in the worker. `request.noise` may be a {@link ReplayNoise}
   * (its remaining draws are sent); other noise sources cannot cross.
   *
   * @param options.residency per-edit override of GPU residency (benchmarks).
   */
  async edit(operation: Operation, request: EditRequest, options: { residency?: boolean } = {}): Promise<WorkerEditResult> {
    this.#checkOpen();
    await this.#ready;
    const signal = request.signal;
    if (signal?.aborted) throw new CancelledError();
    const { wire, transfer } = toWire(request, this.#options.transferInputs ?? false);
    const id = this.#nextId++;
    const onAbort = (): void => this.#send({ type: 'cancel', id });
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const message: WorkerRequest = {
        type: 'start',
        id,
        operation,
        request: wire,
        progress: request.onProgress !== undefined,
        ...(options.residency !== undefined ? { residency: options.residency } : {}),
      };
      const result = (await this.#request(id, message, transfer, request.onProgress)) as WireEditResult;
      return result;
    } catch (error) {
      if (error instanceof GpuRuntimeError && typeof (this.#options.worker) === 'function') {
        (error as RetryableGpuError).retryOnWasm = async () => {
          await this.retryOnWasm();
          return this.edit(operation, request, options);
        };
      }
      throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Starts a live session on this engine: see {@link LiveSession}. */
  live(options: LiveOptions): LiveSession {
    return startLive(this, options);
  }

  /** Engine counters (GPU buffers and tensors held, readbacks, jobs running). */
  async stats(): Promise<EngineStats> {
    this.#checkOpen();
    const id = this.#nextId++;
    return (await this.#request(id, { type: 'stats', id })) as EngineStats;
  }

  /**
   * Replaces the worker with a fresh one on WASM (after a lost GPU device or
   * GPU out-of-memory). Jobs still running in the old worker fail.
   */
  async retryOnWasm(): Promise<void> {
    this.#checkOpen();
    if (typeof this.#options.worker !== 'function') {
      throw new InvalidInputError('To retry on WASM, create the editor with a worker factory (`worker: () => new Worker(...)`).');
    }
    this.terminate();
    this.#disposed = false;
    this.#spawn({ ...this.#options, backend: 'wasm' });
    await this.#ready;
  }

  /** Releases the engine's sessions and GPU memory, then ends the worker. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    const id = this.#nextId++;
    try {
      await Promise.race([this.#request(id, { type: 'dispose', id }), new Promise((r) => setTimeout(r, 5000))]);
    } catch {
      // The worker is ended below either way.
    }
    this.terminate();
  }

  /** Ends the worker at once (no cleanup inside it); pending edits reject. */
  terminate(): void {
    this.#disposed = true;
    this.#worker.terminate();
    this.#failAll(new CancelledError('The engine was shut down. Nothing was changed.'));
  }

  #spawn(options: WorkerEditorOptions): void {
    const worker = typeof options.worker === 'function' ? options.worker() : options.worker;
    this.#worker = worker;
    this.#info = undefined;
    worker.addEventListener('message', (event: MessageEvent) => {
      if (this.#worker === worker) this.#onMessage(event.data as WorkerResponse);
    });
    worker.addEventListener('error', (event: ErrorEvent) => {
      if (this.#worker !== worker) return;
      event.preventDefault?.();
      this.#failAll(new RuntimeError(`The engine's worker failed: ${event.message || 'it could not start (check the worker script URL and its imports)'}.`));
    });
    const { worker: _w, transferInputs: _t, onDownloadProgress: _d, ...engine } = options;
    const id = this.#nextId++;
    this.#ready = this.#request(id, { type: 'init', id, options: engine }).then((info) => {
      this.#info = info as EngineInfo;
      return this.#info;
    });
    // Callers see the failure through `ready` / `edit`; avoid an unhandled rejection here.
    this.#ready.catch(() => undefined);
  }

  #request(id: number, message: WorkerRequest, transfer: Transferable[] = [], onProgress?: ProgressCallback): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, onProgress });
      try {
        this.#worker.postMessage(message, transfer);
      } catch (error) {
        this.#pending.delete(id);
        reject(error);
      }
    });
  }

  #send(message: WorkerRequest): void {
    try {
      this.#worker.postMessage(message);
    } catch {
      // A cancel to a dead worker has nothing left to cancel.
    }
  }

  #onMessage(msg: WorkerResponse): void {
    const pending = this.#pending.get(msg.id);
    if (!pending) return;
    switch (msg.type) {
      case 'progress':
        pending.onProgress?.(msg.event);
        return;
      case 'preview':
        pending.onProgress?.({ type: 'preview', step: msg.step, total: msg.total, images: msg.images });
        return;
      case 'download':
        try {
          this.#options.onDownloadProgress?.(msg.progress);
        } catch {
          // A broken progress bar must not break the load.
        }
        return;
      case 'ready':
        this.#pending.delete(msg.id);
        pending.resolve(msg.info);
        return;
      case 'result':
        this.#pending.delete(msg.id);
        pending.resolve(msg.result);
        return;
      case 'stats':
        this.#pending.delete(msg.id);
        pending.resolve(msg.stats);
        return;
      case 'disposed':
        this.#pending.delete(msg.id);
        pending.resolve(undefined);
        return;
      case 'error':
        this.#pending.delete(msg.id);
        pending.reject(rebuildError(msg.error));
        return;
    }
  }

  #failAll(error: unknown): void {
    const all = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of all) p.reject(error);
  }

  #checkOpen(): void {
    if (this.#disposed) throw new InvalidInputError('This editor was disposed: create a new one.');
  }
}

/** The request as it crosses, and the buffers to transfer with it. */
function toWire(request: EditRequest, transferInputs: boolean): { wire: WireEditRequest; transfer: Transferable[] } {
  const { signal: _s, onProgress: _p, noise, ...rest } = request;
  const copy = <T extends RgbaImage | Mask | undefined>(img: T): T =>
    img && !transferInputs ? ({ ...img, data: img.data.slice() } as T) : img;
  const image = copy(request.image);
  const mask = copy(request.mask);
  let recording: WireEditRequest['noise'];
  if (noise instanceof ReplayNoise) {
    recording = noise.recording.slice(noise.recording.length - noise.remaining());
  } else if (noise !== undefined) {
    throw new InvalidInputError('Only seeds and recorded noise (ReplayNoise) can be sent to a worker engine.');
  }
  const wire: WireEditRequest = { ...rest, image, ...(mask ? { mask } : {}), ...(recording ? { noise: recording } : {}) };
  return { wire, transfer: imageTransfers([image, mask]) };
}

/** A typed error from its wire form. */
function rebuildError(w: WireError): Error {
  let error: StippleError;
  if (w.code === 'CANCELLED') error = new CancelledError(w.message);
  else if (w.canRetryOnWasm) error = new GpuRuntimeError(w.failure ?? 'device-lost', '');
  else error = new StippleError(w.code ?? 'RUNTIME', w.message);
  error.message = w.message;
  error.name = w.name;
  return error;
}
