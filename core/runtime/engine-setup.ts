/**
 * How an engine sets ONNX Runtime up for one model, wherever it runs (a Web
 * Worker, a page, Node): probe WebGPU, profile the UNet's weights, choose the
 * backend ({@link chooseBackend}), decide low-memory mode, create the runtime
 * (GPU residency on WebGPU), and create the UNet session up front so a GPU
 * that cannot hold it fails at load time, not on the first edit.
 *
 * Inline engines and the Worker engine both call {@link setUpEngineRuntime},
 * so they choose the same way.
 *
 * Browser-safe (in Node there is no `navigator.gpu`: `auto` picks WASM).
 */
import { GpuContext } from '../gpu/context';
import { asGpuError } from '../gpu/errors';
import type { ComponentFiles, ModelRepo } from '../models';
import { chooseBackend, probeWebGpu, type BackendChoice, type BackendPreference, type ModelNeeds, type WebGpuProbe } from './backend';
import { createRuntime, type StippleRuntime } from './index';
import type { UnetSession } from './components';
import type { OrtRuntime } from './ort';
import { profileWeights } from './weights';

/** Stops the early UNet creation for a UNet that must wait for the heap to itself (see `wasm-heap.ts`). */
class HeavyUnetDeferred extends Error {}

/** WebGPU adapters at or below the spec's default buffer limit count as small: low-memory mode. */
export const SMALL_GPU_BUFFER = 256 * 2 ** 20;

/** Options of {@link setUpEngineRuntime}. */
export interface EngineRuntimeOptions {
  /** The ONNX Runtime module (onnxruntime-web's root build: WebGPU and WASM). */
  ort: OrtRuntime;
  /** `auto` (default): WebGPU when an adapter fits the model, else WASM. */
  backend?: BackendPreference;
  /** WASM threads (default: up to 4 when cross-origin isolated, else 1). */
  numThreads?: number;
  /** Force low-memory mode on or off (default: on for WebGPU adapters with small buffer limits). */
  lowMemory?: boolean;
  /** Keep the denoising loop on the GPU (WebGPU only; default true). */
  residency?: boolean;
  /** URL prefix of onnxruntime-web's `.wasm` / `.mjs` files. */
  wasmPaths?: string;
  /** WebGPU probe (default: `navigator.gpu`); tests inject one. */
  probe?: () => Promise<WebGpuProbe>;
}

/** An ONNX Runtime set up for one model. */
export interface EngineRuntime {
  /** The repo, whose UNet is read once (its bytes were profiled and made into the first session). */
  repo: ModelRepo;
  /** The runtime; its first `createUnet` returns the session made during set-up. */
  runtime: StippleRuntime;
  choice: BackendChoice;
  lowMemory: boolean;
  /** The GPU context, once the UNet session made one (WebGPU only). */
  gpu(): GpuContext | undefined;
}

/**
 * Chooses the backend for `repo` and creates its runtime and UNet session.
 *
 * @throws {RuntimeError} when `webgpu` is forced and there is no adapter.
 * @throws {GpuRuntimeError} when the GPU cannot hold the UNet.
 */
export async function setUpEngineRuntime(repo: ModelRepo, options: EngineRuntimeOptions): Promise<EngineRuntime> {
  const { ort } = options;
  if (options.wasmPaths && ort.env.wasm) ort.env.wasm.wasmPaths = options.wasmPaths;
  const preference = options.backend ?? 'auto';
  const probe: WebGpuProbe = preference === 'wasm' ? { ok: false, reason: 'WASM was chosen' } : await (options.probe ?? probeWebGpu)();
  // Whether the model fits the GPU depends on its weights: read the UNet
  // (the largest component) now, profile it, and create its session from
  // the same bytes, so it is downloaded once.
  let unetFiles: ComponentFiles | undefined;
  let needs: ModelNeeds | undefined;
  if (probe.ok) {
    unetFiles = await repo.components.unet.load();
    needs = modelNeeds(unetFiles);
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
  if (!unetFiles) return { repo, runtime, choice, lowMemory, gpu: () => gpu };

  const prefetched = prefetchedUnet(repo, unetFiles);
  let eagerUnet: Promise<UnetSession> | undefined;
  try {
    eagerUnet = runtime.createUnet(prefetched, undefined, {
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
  // The editor gets the UNet made above on its first request, then makes its own.
  const engineRuntime: StippleRuntime = {
    ...runtime,
    createUnet: (r, pins, fit) => {
      const first = eagerUnet;
      eagerUnet = undefined;
      return first ?? runtime.createUnet(r, pins, fit);
    },
  };
  return { repo: prefetched, runtime: engineRuntime, choice, lowMemory, gpu: () => gpu };
}

/** What the backend choice needs to know about a UNet, from its files. */
function modelNeeds(unet: ComponentFiles): ModelNeeds {
  const weights = profileWeights(unet);
  return {
    floatType: weights.floatType,
    float16Io: [...unet.graph.inputs, ...unet.graph.outputs].some((v) => v.type === 'float16'),
    largestWeightBytes: weights.largestBytes,
    largestWeightName: weights.largestName,
  };
}

/** `repo` whose UNet hands out `files` (already read) on its first load, then reads again. */
function prefetchedUnet(repo: ModelRepo, files: ComponentFiles): ModelRepo {
  let prefetched: ComponentFiles | undefined = files;
  const unet = repo.components.unet;
  return {
    ...repo,
    components: {
      ...repo.components,
      unet: {
        ...unet,
        load: async () => {
          const first = prefetched;
          prefetched = undefined;
          return first ?? unet.load();
        },
      },
    },
  };
}
