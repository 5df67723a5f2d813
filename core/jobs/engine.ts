/**
 * The worker side of the protocol (`protocol.ts`): one {@link Editor} on the
 * backend {@link chooseBackend} picks, driven by messages.
 *
 * Platform-agnostic: it talks to a {@link MessageEndpoint}, so the same code
 * serves a module Worker (`worker.ts`), and a MessageChannel in Node tests.
 */
import { FileListSource, IndexedDbCache, openModelSource, type DownloadProgress, type OpenModelOptions } from '../delivery';
import { Editor } from '../editor';
import { CancelledError, errorMessage, StippleError } from '../errors';
import { GpuContext } from '../gpu/context';
import { asGpuError, GpuRuntimeError } from '../gpu/errors';
import { installMapAsyncCounter, mapAsyncCalls } from '../gpu/instrument';
import { InvalidInputError } from '../image';
import { loadModelRepo, UrlSource, type ComponentFiles, type ModelRepo, type RepoSource } from '../models';
import { loadTaesd } from '../live/taesd';
import type { EditRequest } from '../pipelines/request';
import { createRuntime, defaultOrt, type OrtRuntime, type StippleRuntime, type UnetSession } from '../runtime';
import { chooseBackend, probeWebGpu, type ModelNeeds, type WebGpuProbe } from '../runtime/backend';
import { profileWeights } from '../runtime/weights';
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
  type WorkerModelSource,
  type WorkerResponse,
} from './protocol';

/** Stops the engine's early UNet creation for a UNet that must wait for the heap to itself (see `runtime/wasm-heap.ts`). */
class HeavyUnetDeferred extends Error {}

/** What the engine can be given besides messages (tests inject these). */
export interface EngineDeps {
  /** ONNX Runtime module (default: onnxruntime-web's root import, WebGPU + WASM). */
  ort?: OrtRuntime;
  /**
   * Opens the model source (default: {@link openWorkerModel}: {@link UrlSource}
   * for `{ url }`, core/delivery for the others). `onProgress` forwards
   * download progress to the page.
   */
  openSource?: (model: EngineOptions['model'], onProgress: (p: DownloadProgress) => void) => RepoSource | Promise<RepoSource>;
  /** Options for core/delivery (default cache: IndexedDB where it exists). */
  delivery?: Omit<OpenModelOptions, 'onProgress' | 'base'>;
  /** WebGPU probe (default: `navigator.gpu`). */
  probe?: () => Promise<WebGpuProbe>;
}

/** WebGPU adapters at or below the spec's default buffer limit count as small: low-memory mode. */
const SMALL_GPU_BUFFER = 256 * 2 ** 20;

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
    const ort = this.#deps.ort ?? defaultOrt;
    if (options.instrument) installMapAsyncCounter();
    if (options.wasmPaths && ort.env.wasm) ort.env.wasm.wasmPaths = options.wasmPaths;
    const openSource = this.#deps.openSource ?? ((m, p) => openWorkerModel(m, p, this.#deps.delivery));
    const source = await openSource(options.model, onProgress);
    const repo = await loadModelRepo(source);
    const taesd = options.taesd && (await loadTaesd(await openSource(options.taesd, onProgress)));

    const preference = options.backend ?? 'auto';
    const probe: WebGpuProbe = preference === 'wasm' ? { ok: false, reason: 'WASM was chosen' } : await (this.#deps.probe ?? probeWebGpu)();
    // Whether the model fits the GPU depends on its weights: read the UNet
    // (the largest component) now, profile it, and create its session from
    // the same bytes, so it is downloaded once.
    let unetFiles: ComponentFiles | undefined;
    let needs: ModelNeeds | undefined;
    if (probe.ok) {
      unetFiles = await repo.components.unet.load();
      const weights = profileWeights(unetFiles);
      needs = {
        floatType: weights.floatType,
        float16Io: [...unetFiles.graph.inputs, ...unetFiles.graph.outputs].some((v) => v.type === 'float16'),
        largestWeightBytes: weights.largestBytes,
        largestWeightName: weights.largestName,
      };
    }
    const g = globalThis as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number } };
    const choice = chooseBackend({
      preference,
      webgpu: probe,
      model: needs,
      crossOriginIsolated: g.crossOriginIsolated === true,
      hardwareConcurrency: g.navigator?.hardwareConcurrency ?? 1,
      numThreads: options.numThreads,
    });
    const webgpu = choice.backend === 'webgpu';
    const lowMemory = options.lowMemory ?? (webgpu && (choice.adapter?.maxBufferSize ?? Infinity) <= SMALL_GPU_BUFFER);
    // ORT reads numThreads once, when its wasm starts: set it before any session.
    if (ort.env.wasm) ort.env.wasm.numThreads = choice.threads;

    let gpu: GpuContext | undefined;
    const runtime = createRuntime({
      ort,
      executionProviders: [choice.backend],
      numThreads: choice.threads,
      // Pinned shapes are what makes WebGPU fast on real GPUs (ORT-web's SD-Turbo example), but on a
      // software fallback adapter (SwiftShader) they measured 0.61x (`npm run bench browser`): pin there never.
      pinDimensions: !(webgpu && choice.adapter?.fallback),
      gpu: webgpu
        ? async () => {
            gpu = await GpuContext.fromOrt(ort);
            gpu.residency = options.residency ?? true;
            return gpu;
          }
        : undefined,
    });

    let engineRepo: ModelRepo = repo;
    let eagerUnet: Promise<UnetSession> | undefined;
    if (unetFiles) {
      let prefetched: ComponentFiles | undefined = unetFiles;
      unetFiles = undefined;
      const unet = repo.components.unet;
      engineRepo = {
        ...repo,
        components: {
          ...repo.components,
          unet: {
            ...unet,
            load: async () => {
              const files = prefetched;
              prefetched = undefined;
              return files ?? unet.load();
            },
          },
        },
      };
      try {
        eagerUnet = runtime.createUnet(engineRepo, undefined, {
          async beforeCreate(plan) {
            // A UNet that needs the wasm heap to itself is made by the editor, after the encoders are gone.
            if (plan.heavy) throw new HeavyUnetDeferred();
          },
        });
        await eagerUnet.catch((error: unknown) => {
          if (!(error instanceof HeavyUnetDeferred)) throw error;
          eagerUnet = undefined;
        });
      } catch (error) {
        throw (webgpu && asGpuError(error, gpu?.lost)) || error;
      }
    }
    // The editor gets the UNet made above on its first request, then makes its own.
    const editorRuntime: StippleRuntime = {
      ...runtime,
      createUnet: (r, _pins, fit) => {
        const first = eagerUnet;
        eagerUnet = undefined;
        return first ?? runtime.createUnet(r, undefined, fit);
      },
    };
    const editor = new Editor(engineRepo, editorRuntime, { lowMemory, taesd });
    return {
      editor,
      options,
      gpu: () => gpu,
      info: {
        backend: choice,
        operations: editor.operations,
        modelKind: repo.kind,
        model: source.description,
        lowMemory,
        loadMs: performance.now() - started,
        fastVae: taesd !== undefined,
      },
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

let workerCache: IndexedDbCache | undefined;

/**
 * Opens a {@link WorkerModelSource} inside the worker: `{ url }` as a plain
 * folder, presets, repo URLs and manifests through core/delivery (IndexedDB
 * cache where the worker has IndexedDB, else memory), picked files in place.
 */
export async function openWorkerModel(
  model: WorkerModelSource,
  onProgress?: (p: DownloadProgress) => void,
  delivery: Omit<OpenModelOptions, 'onProgress' | 'base'> = {},
): Promise<RepoSource> {
  if ('url' in model) return new UrlSource(model.url);
  if ('files' in model) return new FileListSource(pickedPaths(model.files));
  if (delivery.cache === undefined && typeof indexedDB !== 'undefined') workerCache ??= new IndexedDbCache();
  const options: OpenModelOptions = {
    ...(workerCache ? { cache: workerCache } : {}),
    ...delivery,
    ...(onProgress ? { onProgress } : {}),
    ...(model.base !== undefined ? { base: model.base } : {}),
  };
  if ('preset' in model) return openModelSource(model.preset, options);
  if ('repo' in model) return openModelSource(model.repo, options);
  return openModelSource(model.manifest, options);
}

/** Repo paths of picked files: a folder shared by all of them is the repo root (as {@link FileListSource} does for a FileList). */
function pickedPaths(files: readonly { path: string; blob: Blob }[]): Map<string, Blob> {
  const raw = files.map((f) => f.path.replace(/\\/g, '/'));
  const roots = new Set(raw.map((p) => (p.includes('/') ? p.slice(0, p.indexOf('/')) : '')));
  const root = roots.size === 1 && !roots.has('') ? [...roots][0]! : undefined;
  const map = new Map<string, Blob>();
  files.forEach((f, i) => {
    const path = root === undefined ? raw[i]! : raw[i]!.slice(root.length + 1);
    if (map.has(path)) throw new InvalidInputError(`Two picked files are both "${path}". Pick the model's folder (not its files) so each file keeps its place in the repo.`);
    map.set(path, f.blob);
  });
  return map;
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
