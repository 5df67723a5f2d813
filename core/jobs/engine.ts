/**
 * The worker side of the protocol (`protocol.ts`): one {@link Editor} on the
 * backend {@link chooseBackend} picks, driven by messages.
 *
 * Platform-agnostic: it talks to a {@link MessageEndpoint}, so the same code
 * serves a module Worker (`worker.ts`), and a MessageChannel in Node tests.
 */
import { openPostedModel, type DownloadProgress, type OpenModelOptions } from '../delivery';
import { Editor } from '../editor';
import { engineInfo } from '../engine-info';
import { CancelledError, errorMessage, StippleError } from '../errors';
import type { GpuContext } from '../gpu/context';
import { asGpuError, GpuRuntimeError } from '../gpu/errors';
import { installMapAsyncCounter, mapAsyncCalls } from '../gpu/instrument';
import { InvalidInputError } from '../image';
import { loadModelRepo, type RepoSource } from '../models';
import { loadTaesd } from '../live/taesd';
import type { EditRequest } from '../pipelines/request';
import { defaultOrt, type OrtRuntime } from '../runtime';
import type { WebGpuProbe } from '../runtime/backend';
import { setUpEngineRuntime } from '../runtime/engine-setup';
import { ReplayNoise } from '../tensor/replay';
import type { EditProgress } from './progress';
import {
  imageTransfers,
  type EngineInfo,
  type EngineOptions,
  type EngineStats,
  type MessageEndpoint,
  type WireError,
  type WorkerRequest,
  type WorkerResponse,
} from './protocol';

/** What the engine can be given besides messages (tests inject these). */
export interface EngineDeps {
  /** ONNX Runtime module (default: onnxruntime-web's root import, WebGPU + WASM). */
  ort?: OrtRuntime;
  /**
   * Opens the model source (default: core/delivery's `openPostedModel`).
   * `onProgress` forwards download progress to the page.
   */
  openSource?: (model: EngineOptions['model'], onProgress: (p: DownloadProgress) => void) => RepoSource | Promise<RepoSource>;
  /** Options for core/delivery (default cache: IndexedDB where it exists). */
  delivery?: Omit<OpenModelOptions, 'onProgress' | 'base'>;
  /** WebGPU probe (default: `navigator.gpu`). */
  probe?: () => Promise<WebGpuProbe>;
}

interface Ready {
  editor: Editor;
  info: EngineInfo;
  options: EngineOptions;
  gpu: () => GpuContext | undefined;
}

/** Serves the protocol on `endpoint` until `dispose`. */
export class WorkerEngine {
  readonly #endpoint: MessageEndpoint;
  readonly #deps: EngineDeps;
  #ready: Promise<Ready> | undefined;
  readonly #jobs = new Map<number, AbortController>();
  readonly #listener = (event: MessageEvent): void => {
    void this.#handle(event.data as WorkerRequest);
  };

  constructor(endpoint: MessageEndpoint, deps: EngineDeps = {}) {
    this.#endpoint = endpoint;
    this.#deps = deps;
    endpoint.addEventListener('message', this.#listener);
  }

  async #handle(msg: WorkerRequest): Promise<void> {
    switch (msg.type) {
      case 'init':
        return this.#init(msg.id, msg.options);
      case 'start':
        return this.#start(msg);
      case 'cancel':
        this.#jobs.get(msg.id)?.abort();
        return;
      case 'stats':
        return this.#stats(msg.id);
      case 'dispose':
        return this.#dispose(msg.id);
    }
  }

  #post(message: WorkerResponse, transfer: Transferable[] = []): void {
    this.#endpoint.postMessage(message, transfer);
  }

  async #init(id: number, options: EngineOptions): Promise<void> {
    if (this.#ready) {
      this.#post({ type: 'error', id, error: wireError(new InvalidInputError('The engine is already initialised: create another worker for another model.')) });
      return;
    }
    const ready = this.#setUp(options, (progress) => this.#download(id, progress));
    this.#ready = ready;
    try {
      this.#post({ type: 'ready', id, info: (await ready).info });
    } catch (error) {
      this.#ready = undefined;
      this.#post({ type: 'error', id, error: wireError(error) });
    }
  }

  #download(id: number, progress: DownloadProgress): void {
    try {
      this.#post({ type: 'download', id, progress });
    } catch {
      // An error object that cannot be cloned: send its message instead.
      const { error, ...rest } = progress;
      this.#post({ type: 'download', id, progress: { ...rest, ...(error ? { error: new Error(error.message) } : {}) } });
    }
  }

  async #setUp(options: EngineOptions, onProgress: (p: DownloadProgress) => void): Promise<Ready> {
    const started = performance.now();
    if (options.instrument) installMapAsyncCounter();
    const openSource = this.#deps.openSource ?? ((m, p) => openPostedModel(m, { ...this.#deps.delivery, onProgress: p }));
    const source = await openSource(options.model, onProgress);
    const repo = await loadModelRepo(source);
    const taesd = options.taesd && (await loadTaesd(await openSource(options.taesd, onProgress)));
    const set = await setUpEngineRuntime(repo, { ...options, ort: this.#deps.ort ?? defaultOrt, probe: this.#deps.probe });
    const editor = new Editor(set.repo, set.runtime, { lowMemory: set.lowMemory, taesd });
    return {
      editor,
      options,
      gpu: set.gpu,
      info: engineInfo('worker', set, source.description, performance.now() - started, taesd !== undefined),
    };
  }

  async #start(msg: Extract<WorkerRequest, { type: 'start' }>): Promise<void> {
    const { id } = msg;
    const controller = new AbortController();
    this.#jobs.set(id, controller);
    let ready: Ready | undefined;
    let noise: ReplayNoise | undefined;
    try {
      if (!this.#ready) throw new InvalidInputError('The engine is not initialised: send "init" first.');
      ready = await this.#ready;
      noise = msg.request.noise ? new ReplayNoise(msg.request.noise) : undefined;
      const gpu = ready.gpu();
      if (gpu) gpu.residency = msg.residency ?? ready.options.residency ?? true;
      const request: EditRequest = {
        ...msg.request,
        noise,
        signal: controller.signal,
        onProgress: msg.progress ? (event) => this.#progress(id, event) : undefined,
      };
      const result = await ready.editor.edit(msg.operation, request);
      this.#post(
        {
          type: 'result',
          id,
          result: { ...result, ...(noise ? { noiseRemaining: noise.remaining() } : {}) },
        },
        imageTransfers(result.images, [result.raw]),
      );
    } catch (error) {
      const gpu = ready?.gpu();
      const mapped = ready?.info.backend.backend === 'webgpu' ? gpuErrorFor(error, gpu) : undefined;
      this.#post({ type: 'error', id, error: wireError(mapped ?? error) });
    } finally {
      this.#jobs.delete(id);
    }
  }

  #progress(id: number, event: EditProgress): void {
    if (event.type === 'preview') {
      this.#post({ type: 'preview', id, step: event.step, total: event.total, images: event.images }, imageTransfers(event.images));
    } else {
      this.#post({ type: 'progress', id, event });
    }
  }

  async #stats(id: number): Promise<void> {
    const gpu = this.#ready ? (await this.#ready.catch(() => undefined))?.gpu() : undefined;
    const calls = mapAsyncCalls();
    const stats: EngineStats = {
      activeJobs: this.#jobs.size,
      ...(gpu ? { gpu: gpu.counters() } : {}),
      ...(calls !== undefined ? { mapAsyncCalls: calls } : {}),
    };
    this.#post({ type: 'stats', id, stats });
  }

  async #dispose(id: number): Promise<void> {
    for (const job of this.#jobs.values()) job.abort();
    const ready = await this.#ready?.catch(() => undefined);
    this.#ready = undefined;
    if (ready) {
      await ready.editor.dispose().catch(() => undefined);
      ready.gpu()?.dispose();
    }
    this.#endpoint.removeEventListener?.('message', this.#listener);
    this.#post({ type: 'disposed', id });
  }
}

/** Starts an engine on the worker's global scope (call from the worker's entry module). */
export function serveWorkerEngine(scope: MessageEndpoint = globalThis as unknown as MessageEndpoint, deps?: EngineDeps): WorkerEngine {
  return new WorkerEngine(scope, deps);
}

/** A GPU failure an error stands for on the WebGPU backend (not for input errors or cancels). */
function gpuErrorFor(error: unknown, gpu: GpuContext | undefined): GpuRuntimeError | undefined {
  if (error instanceof CancelledError) return undefined;
  if (error instanceof StippleError && error.code !== 'RUNTIME') return undefined;
  return asGpuError(error, gpu?.lost);
}

/** An error as plain data. */
export function wireError(error: unknown): WireError {
  if (error instanceof GpuRuntimeError) {
    return { name: error.name, message: error.message, code: error.code, canRetryOnWasm: true, failure: error.failure };
  }
  if (error instanceof StippleError) return { name: error.name, message: error.message, code: error.code };
  const detail = errorMessage(error);
  return { name: 'RuntimeError', code: 'RUNTIME', message: `Something went wrong in the engine: ${detail}` };
}
