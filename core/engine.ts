/**
 * One engine API: {@link createEngine} loads a model and returns an
 * {@link EditEngine}, running either in this thread (`where: 'inline'`: Node,
 * tests, simple pages) or in a Web Worker (`where: 'worker'`: the page stays
 * responsive, and WebGPU is used when the GPU fits the model). Both choose
 * the backend, low-memory mode and GPU set-up the same way
 * (`core/runtime/engine-setup.ts`).
 *
 * @example
 * ```ts
 * // Node, or anywhere, in this thread:
 * const engine = await createEngine({ model: 'tiny-sd-inpaint', where: 'inline' });
 * // A page, in a Worker running `core/jobs/worker.ts`:
 * const engine = await createEngine({
 *   where: 'worker',
 *   worker: () => new Worker(new URL('./stipple-worker.js', import.meta.url), { type: 'module' }),
 *   model: 'sd2-inpaint',
 *   backend: 'auto',
 * });
 * engine.info.backend.reason; // "WebGPU on nvidia ampere; the model (float32, …) fits its limits."
 * const result = await engine.edit('inpaint', { image, mask, prompt: 'a red fox' });
 * ```
 */
import { isPostedModelInput, openModelSource, openPostedModel, postModelInput, type DownloadProgress, type ModelCache, type ModelInput, type PostedModelInput } from './delivery';
import { Editor, type EditResult } from './editor';
import { engineInfo, type EngineInfo } from './engine-info';
import { createWorkerEditor, type WorkerLike } from './jobs/client';
import type { LiveOptions, LiveSession } from './live/session';
import { loadTaesd } from './live/taesd';
import { loadModelRepo, type RepoSource } from './models';
import type { EditRequest, Operation } from './pipelines/request';
import type { BackendPreference, WebGpuProbe } from './runtime/backend';
import { setUpEngineRuntime } from './runtime/engine-setup';
import { defaultOrt, type OrtRuntime } from './runtime/ort';

/**
 * What every host runs edits on: the inline {@link Editor}, the Worker
 * client (`WorkerEditor`), or a test double.
 */
export interface EditEngine {
  /** The edits the loaded model can run. */
  readonly operations: readonly Operation[];
  /** Runs one edit; rejects with a `CancelledError` when `request.signal` aborts. */
  edit(operation: Operation, request: EditRequest): Promise<EditResult>;
  /** Releases the model's sessions (and the Worker, for a Worker engine). */
  dispose(): void | Promise<void>;
  /** Where it runs and why (backend and reason, model, low-memory mode); every engine from {@link createEngine} has it. */
  readonly info?: EngineInfo;
}

/** Options both kinds of engine take. */
interface CommonEngineOptions {
  /** The model: a preset id, a repo URL, a manifest, picked files, a folder handle, or its posted form. */
  model: ModelInput | PostedModelInput;
  /** `auto` (default): WebGPU when an adapter fits the model (never a software one), else WASM. */
  backend?: BackendPreference;
  /** WASM threads (default: up to 4 when the page is cross-origin isolated, else 1). */
  numThreads?: number;
  /** Keep at most the UNet and one other component loaded (default: on for WebGPU adapters with small buffer limits). */
  lowMemory?: boolean;
  /** TAESD for fast (live) runs, e.g. `'taesd'`. */
  taesd?: ModelInput | PostedModelInput;
  /** URL prefix of onnxruntime-web's `.wasm` / `.mjs` files. */
  wasmPaths?: string;
  /** URL that relative preset and repo URLs resolve against (default: the page's). */
  base?: string;
  /** Model download progress while the engine starts. */
  onDownloadProgress?: (progress: DownloadProgress) => void;
}

/** An engine in this thread. */
export interface InlineEngineOptions extends CommonEngineOptions {
  where?: 'inline';
  /** ONNX Runtime module (default: onnxruntime-web). */
  ort?: OrtRuntime;
  /** Where remote models are kept (default: IndexedDB in browsers, memory elsewhere). */
  cache?: ModelCache;
  /** WebGPU probe (default: `navigator.gpu`). */
  probe?: () => Promise<WebGpuProbe>;
}

/** An engine in a Web Worker running `core/jobs/worker.ts`. */
export interface WorkerEngineOptions extends CommonEngineOptions {
  where: 'worker';
  /** The worker, or a function that makes one (needed to retry on WASM after a GPU failure). */
  worker: WorkerLike | (() => WorkerLike);
  /** Keep the denoising loop on the GPU (WebGPU only; default true). */
  residency?: boolean;
}

export type CreateEngineOptions = InlineEngineOptions | WorkerEngineOptions;

/** An engine from {@link createEngine}: {@link EditEngine} with its info. */
export type StartedEngine = EditEngine & {
  readonly info: EngineInfo;
  /** Starts a live session (the edit follows the user's strokes): see {@link LiveSession}. */
  live(options: LiveOptions): LiveSession;
};

/**
 * Loads a model into an engine, inline or in a Worker; see the module notes.
 *
 * @throws {RuntimeError} when `backend: 'webgpu'` is asked for and there is no adapter.
 * @throws whatever opening the model throws (download, cache and format errors).
 */
export async function createEngine(options: CreateEngineOptions): Promise<StartedEngine> {
  if (options.where === 'worker') {
    const { where: _w, model, taesd, base, ...rest } = options;
    return createWorkerEditor({
      ...rest,
      model: toPosted(model, base),
      ...(taesd !== undefined && { taesd: toPosted(taesd, base) }),
    });
  }
  return createInlineEngine(options);
}

async function createInlineEngine(options: InlineEngineOptions): Promise<Editor & { readonly info: EngineInfo }> {
  const started = performance.now();
  const open = (model: ModelInput | PostedModelInput): Promise<RepoSource> => {
    const opts = {
      ...(options.base !== undefined && { base: options.base }),
      ...(options.cache && { cache: options.cache }),
      ...(options.onDownloadProgress && { onProgress: options.onDownloadProgress }),
    };
    return isPostedModelInput(model) ? openPostedModel(model, opts) : openModelSource(model, opts);
  };
  const source = await open(options.model);
  const repo = await loadModelRepo(source);
  const taesd = options.taesd !== undefined ? await loadTaesd(await open(options.taesd)) : undefined;
  const set = await setUpEngineRuntime(repo, { ...options, ort: options.ort ?? defaultOrt });
  const info = engineInfo('inline', set, source.description, performance.now() - started, taesd !== undefined);
  return new Editor(set.repo, set.runtime, { lowMemory: set.lowMemory, taesd, info, onDispose: () => set.gpu()?.dispose() }) as Editor & {
    readonly info: EngineInfo;
  };
}

function toPosted(model: ModelInput | PostedModelInput, base: string | undefined): PostedModelInput {
  return isPostedModelInput(model) ? model : postModelInput(model, base);
}
