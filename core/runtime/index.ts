/**
 * ONNX Runtime sessions for the components of a {@link ModelRepo}.
 *
 * ```ts
 * const repo = await loadModelRepo(new UrlSource('https://huggingface.co/<repo>/resolve/main/'));
 * const runtime = createRuntime();
 * const textEncoder = await runtime.createTextEncoder(repo);
 * const { data, dims } = await textEncoder.encode([repo.tokenizer.encode('a fox').inputIds]);
 * ```
 *
 * Browser-safe (Node-specific defaults are chosen at run time).
 */
import type { InferenceSession } from 'onnxruntime-web';
import { ModelFormatError } from '../errors';
import type { ComponentName, ModelComponent, ModelRepo } from '../models';
import { TextEncoderSession, UnetSession, VaeDecoderSession, VaeEncoderSession } from './components';
import { defaultOrt, isNode, type OrtRuntime } from './ort';
import { ModelSession } from './session';
import { freeDimensionOverrides, type ShapePins } from './dimension-pins';
import { selectOrt, type OrtSelection, type RuntimeChoice, type SelectOrtOptions } from './select';
import type { GpuContext } from '../gpu/context';
import { HEAVY_UNET_BATCH, heapPlan, runsOnWasmHeap, type AttentionSlicing, type HeapPlan } from './wasm-heap';
import { sliceAttention } from './sliced-attention';
import { profileWeights } from './weights';

export { TextEncoderSession, UnetSession, VaeDecoderSession, VaeEncoderSession } from './components';
export type { FloatTensor, IdsType, TimestepLayout, TimestepType, VaeEncoderOutput } from './components';
export { ModelSession } from './session';
export { freeDimensionOverrides, type ShapePins } from './dimension-pins';
export type { HostTensor, HostTensorData, IoInfo, OutputTensor, SessionModelFiles } from './session';
export { defaultOrt, loadDefaultOrt, type OrtRuntime } from './ort';
export { float16ToFloat32, float32ToFloat16, fromFloat16Bits, toFloat16Bits } from './fp16';
export { chooseBackend, fitProblem, probeWebGpu } from './backend';
export type { AdapterSummary, BackendChoice, BackendInputs, BackendName, BackendPreference, ModelNeeds, WebGpuProbe } from './backend';
export { profileWeights, type WeightProfile } from './weights';
export { setUpEngineRuntime, SMALL_GPU_BUFFER } from './engine-setup';
export type { EngineRuntime, EngineRuntimeOptions } from './engine-setup';
export { HEAVY_ATTENTION_SLICES, HEAVY_MODEL_BYTES, HEAVY_UNET_BATCH, WASM_HEAP_BYTES, heapPlan, runsOnWasmHeap } from './wasm-heap';
export type { AttentionSlicing, HeapPlan } from './wasm-heap';
export { sliceAttention, type SlicedAttention } from './sliced-attention';
export { defaultThreads, MAX_WASM_THREADS, NATIVE_INSTALL, nativeRuntimeInstalled, NativeRuntimeUnavailableError, selectOrt } from './select';
export type { OrtSelection, RuntimeChoice, SelectOrtOptions } from './select';

/** Options of {@link createRuntime}. */
export interface RuntimeOptions {
  /**
   * The ONNX Runtime module to use (default: `onnxruntime-web`). Pass
   * `await import('onnxruntime-node')` for native speed in Node.
   */
  ort?: OrtRuntime;
  /**
   * Execution providers in order of preference, e.g. `['webgpu', 'wasm']`.
   * Default: `['wasm']` for the default runtime; the injected runtime's own
   * default otherwise.
   */
  executionProviders?: string[];
  /**
   * CPU threads. Sets `env.wasm.numThreads` (read once, when ORT-web first
   * initialises) and the session's `intraOpNumThreads`. Default: 1 in Node with
   * the default runtime (multi-threaded wasm needs worker files Node cannot
   * fetch), ORT's own choice elsewhere.
   */
  numThreads?: number;
  /** Extra session options, merged under the ones above. */
  sessionOptions?: InferenceSession.SessionOptions;
  /**
   * GPU residency (WebGPU only): the UNet session is created with
   * `preferredOutputLocation: 'gpu-buffer'` and carries the device context
   * this returns, so the denoising loop keeps latents on the GPU. Called once,
   * after the first UNet session exists (ORT's device is up by then).
   */
  gpu?: () => Promise<GpuContext>;
  /**
   * Pin symbolic dimensions to the sizes passed to the `create*` methods
   * (`freeDimensionOverrides`; default true). False creates every session
   * for any size, e.g. to measure what pinning gains.
   */
  pinDimensions?: boolean;
  /**
   * Attention of the UNet computed in query slices (exact; see
   * `sliced-attention.ts`): `auto` (default) slices UNets too large to share
   * the wasm32 heap (see `wasm-heap.ts`), `off` never, a number always, with
   * that many slices.
   */
  attentionSlicing?: AttentionSlicing;
}

/** Options of {@link StippleRuntime.createUnet}. */
export interface CreateUnetOptions {
  /**
   * Called once the UNet's weights are read and before its session is
   * created, with how it is fitted into the heap: a heavy UNet needs the
   * heap to itself, so the caller releases other sessions here.
   */
  beforeCreate?(plan: HeapPlan): Promise<void>;
}

/** The four component sessions of a repo. */
export interface ComponentSessions {
  textEncoder: TextEncoderSession;
  unet: UnetSession;
  vaeEncoder: VaeEncoderSession;
  vaeDecoder: VaeDecoderSession;
}

/**
 * Creates sessions on one ONNX Runtime instance. All `create` and `run`
 * calls of sessions made from runtimes sharing an {@link OrtRuntime} are
 * serialised (see `queue.ts`).
 */
export interface StippleRuntime {
  readonly ort: OrtRuntime;
  /** The execution providers sessions are created with, when set (`['wasm']`, `['webgpu', 'wasm']`). */
  readonly executionProviders?: readonly string[];
  /**
   * Loads a component's bytes, creates its session, then drops the bytes.
   *
   * @throws {ModelFormatError} naming the file when it is missing, truncated,
   *   or rejected by ONNX Runtime, or when a config disagrees with it.
   * @throws {RuntimeError} when there is not enough memory.
   */
  createSession(component: ModelComponent): Promise<ModelSession>;
  /**
   * The component creators take optional {@link ShapePins}: the sizes the
   * session will run at. Symbolic dims are then pinned (see
   * `dimension-pins.ts`) and the session takes only those sizes.
   */
  createTextEncoder(repo: ModelRepo, pins?: ShapePins): Promise<TextEncoderSession>;
  /**
   * Also checks the graph's `sample` channels against `unet/config.json`,
   * and on the wasm heap fits a large UNet into it (see `wasm-heap.ts`).
   */
  createUnet(repo: ModelRepo, pins?: ShapePins, options?: CreateUnetOptions): Promise<UnetSession>;
  createVaeEncoder(repo: ModelRepo, pins?: ShapePins): Promise<VaeEncoderSession>;
  createVaeDecoder(repo: ModelRepo, pins?: ShapePins): Promise<VaeDecoderSession>;
  /**
   * Creates all four, one after another, so only one component's bytes are
   * in memory at a time. On failure the sessions already created are released.
   */
  createAll(repo: ModelRepo): Promise<ComponentSessions>;
}

/** Creates a {@link StippleRuntime}. */
export function createRuntime(options: RuntimeOptions = {}): StippleRuntime {
  const ort = options.ort ?? defaultOrt;
  const usingDefault = ort === defaultOrt;
  const numThreads = options.numThreads ?? (usingDefault && isNode() ? 1 : undefined);
  if (numThreads !== undefined && ort.env.wasm) ort.env.wasm.numThreads = numThreads;

  const sessionOptions: InferenceSession.SessionOptions = { ...options.sessionOptions };
  const providers = options.executionProviders ?? (usingDefault ? ['wasm'] : undefined);
  if (providers) sessionOptions.executionProviders = providers;
  if (options.numThreads !== undefined) sessionOptions.intraOpNumThreads = options.numThreads;

  const pinning = options.pinDimensions ?? true;
  const onWasmHeap = runsOnWasmHeap(ort, providers ?? sessionOptions.executionProviders);
  const createSessionWith = async (
    component: ModelComponent,
    extra?: InferenceSession.SessionOptions,
    pins?: ShapePins,
    fit?: CreateUnetOptions,
  ): Promise<ModelSession> => {
    // The bytes live only in this frame: once the session exists (ORT has
    // copied them into its own memory) they can be garbage-collected.
    const files = await component.load();
    try {
      const opts = extra ? { ...sessionOptions, ...extra } : { ...sessionOptions };
      const plan = fit && heapPlan(profileWeights(files), onWasmHeap, options.attentionSlicing);
      // A heavy UNet runs one image per call (see HEAVY_UNET_BATCH): pin that batch.
      const sized = pins && plan?.heavy ? { ...pins, batch: HEAVY_UNET_BATCH } : pins;
      const overrides = sized && pinning ? freeDimensionOverrides(files.graph.inputs, sized) : {};
      if (Object.keys(overrides).length > 0) opts.freeDimensionOverrides = { ...opts.freeDimensionOverrides, ...overrides };
      if (plan) {
        await fit?.beforeCreate?.(plan);
        if (plan.attentionSlices !== undefined) {
          return await ModelSession.create(ort, { ...files, model: sliceAttention(files.model, plan.attentionSlices).model }, opts);
        }
      }
      return await ModelSession.create(ort, files, opts);
    } finally {
      files.release?.();
    }
  };
  const createSession = (component: ModelComponent): Promise<ModelSession> => createSessionWith(component);

  const adapt = async <T>(
    repo: ModelRepo,
    name: ComponentName,
    wrap: (s: ModelSession) => T | Promise<T>,
    extra?: InferenceSession.SessionOptions,
    pins?: ShapePins,
    fit?: CreateUnetOptions,
  ): Promise<T> => {
    const session = await createSessionWith(repo.components[name], extra, pins, fit);
    try {
      return await wrap(session);
    } catch (error) {
      await session.release();
      throw error;
    }
  };
  let gpuContext: Promise<GpuContext> | undefined;
  const gpu = options.gpu;

  const runtime: StippleRuntime = {
    ort,
    ...(providers ? { executionProviders: [...providers] } : {}),
    createSession,
    createTextEncoder: (repo, pins) => adapt(repo, 'text_encoder', (s) => new TextEncoderSession(s), undefined, pins),
    createUnet: (repo, pins, fit) => {
      let heavy = false;
      const planned: CreateUnetOptions = {
        async beforeCreate(plan) {
          heavy = plan.heavy;
          await fit?.beforeCreate?.(plan);
        },
      };
      return adapt(
        repo,
        'unet',
        async (s) => {
          const unet = new UnetSession(s, undefined, heavy ? HEAVY_UNET_BATCH : undefined);
          if (unet.inChannels !== undefined && unet.inChannels !== repo.unetInChannels) {
            throw new ModelFormatError(
              'unet/config.json',
              `"in_channels": ${unet.inChannels}, as in ${s.file}`,
              `the config says ${repo.unetInChannels}`,
            );
          }
          if (gpu) {
            gpuContext ??= gpu();
            unet.gpu = await gpuContext;
          }
          return unet;
        },
        gpu ? { preferredOutputLocation: 'gpu-buffer' } : undefined,
        pins,
        planned,
      );
    },
    createVaeEncoder: (repo, pins) => adapt(repo, 'vae_encoder', (s) => new VaeEncoderSession(s), undefined, pins),
    createVaeDecoder: (repo, pins) => adapt(repo, 'vae_decoder', (s) => new VaeDecoderSession(s), undefined, pins),
    async createAll(repo) {
      const made: { release(): Promise<void> }[] = [];
      const step = async <T extends { release(): Promise<void> }>(p: Promise<T>): Promise<T> => {
        const s = await p;
        made.push(s);
        return s;
      };
      try {
        const textEncoder = await step(runtime.createTextEncoder(repo));
        const unet = await step(runtime.createUnet(repo));
        const vaeEncoder = await step(runtime.createVaeEncoder(repo));
        const vaeDecoder = await step(runtime.createVaeDecoder(repo));
        return { textEncoder, unet, vaeEncoder, vaeDecoder };
      } catch (error) {
        await Promise.all(made.map((s) => s.release().catch(() => undefined)));
        throw error;
      }
    },
  };
  return runtime;
}

/** A runtime made by {@link openRuntime}, with what was picked. */
export interface SelectedRuntime extends StippleRuntime {
  readonly selection: OrtSelection;
}

/**
 * {@link selectOrt} then {@link createRuntime}: `auto` (native in Node when
 * `onnxruntime-node` is installed, else WASM), `wasm` or `native`, with
 * `threads` threads (default: the cores, at most 4 on WASM).
 *
 * @throws {NativeRuntimeUnavailableError} for `native` when it cannot be loaded.
 */
export async function openRuntime(
  choice: RuntimeChoice = 'auto',
  options: SelectOrtOptions & Omit<RuntimeOptions, 'ort' | 'numThreads'> = {},
): Promise<SelectedRuntime> {
  const selection = await selectOrt(choice, options);
  return { ...createRuntime({ ...options, ort: selection.ort, numThreads: selection.threads }), selection };
}
