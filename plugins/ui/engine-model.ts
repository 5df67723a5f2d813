/**
 * Every panel's model: core's engine in a Web Worker (`createEngine` with
 * `where: 'worker'`), so the panel only paints and stays responsive during
 * a run, and WebGPU is used when the GPU fits the model. The Worker loads
 * the model itself (remote models through core's IndexedDB cache, with
 * download progress forwarded here); the panel opens the same model too,
 * offline from the cache the Worker filled, for its tokenizer (token counts),
 * scheduler config and sizes only: configs and vocab, no weights.
 */
import {
  isPostedModelInput,
  labelModelInput,
  openPostedModel,
  postModelInput,
  type DownloadProgress,
  type ModelInput,
  type PostedModelInput,
} from '../../core/delivery';
import { createEngine, type StartedEngine } from '../../core/engine';
import { loadModelRepo, type ModelKind } from '../../core/models';
import type { ModelSizes } from '../../core/pipelines/resolution';
import type { BackendChoice, BackendPreference } from '../../core/runtime/backend';
import { defaultSchedulerName } from '../../core/schedulers';
import type { TokenCounter } from './components/PromptFields';
import { modelSizes } from './working-size';

/** Where a panel's files are: the bundled worker entry (`core/jobs/worker.ts`) and ONNX Runtime's `dist/` folder. */
export interface EngineSite {
  /** URL of the bundled worker entry (`worker.js` next to the page). */
  workerUrl: string;
  /** URL prefix of onnxruntime-web's `.wasm` / `.mjs` files (`ort/` next to the page). */
  wasmPaths: string;
}

/** A loaded model: the engine and what the panel shows about it. */
export interface LoadedModel {
  engine: StartedEngine;
  title: string;
  /** Something to know before editing (e.g. random weights). */
  note?: string;
  kind: ModelKind;
  tokenizer: TokenCounter;
  /** The scheduler the model's own config asks for. */
  defaultScheduler: string;
  /** Where the engine runs (WebGPU or WASM) and why. */
  backend: BackendChoice;
  /** The model's sizes, for the resolution the panel asks for. */
  sizes: ModelSizes;
}

/** Options of {@link loadEngineModel}. */
export interface LoadEngineOptions {
  /** The page's URL: relative preset and repo URLs resolve against it. */
  page: string;
  /** `auto` (default), `webgpu` or `wasm`: what the engine line offers. */
  backend?: BackendPreference;
  onDownloadProgress?: (progress: DownloadProgress) => void;
}

/**
 * Starts the engine in a Worker on `model` (a preset id, a repo URL, picked
 * files or a folder, or its posted form), then opens it on the page for the
 * tokenizer and scheduler config.
 */
export async function loadEngineModel(site: EngineSite, model: ModelInput | PostedModelInput, options: LoadEngineOptions): Promise<LoadedModel> {
  const posted = isPostedModelInput(model) ? model : postModelInput(model, options.page);
  // A posted model is a folder the page serves itself (`?model=` links): its URL is its title.
  const label = isPostedModelInput(model) ? { title: 'url' in model ? model.url : 'Model' } : labelModelInput(model);
  const engine = await createEngine({
    where: 'worker',
    worker: () => new Worker(site.workerUrl, { type: 'module', name: 'stipple-engine' }),
    model: posted,
    wasmPaths: site.wasmPaths,
    ...(options.backend && { backend: options.backend }),
    ...(options.onDownloadProgress && { onDownloadProgress: options.onDownloadProgress }),
  });
  try {
    const repo = await loadModelRepo(await openPostedModel(posted, { offline: true }));
    return {
      engine,
      ...label,
      kind: repo.kind,
      tokenizer: repo.tokenizer,
      defaultScheduler: defaultSchedulerName(repo.schedulerConfig),
      backend: engine.info.backend,
      sizes: modelSizes(repo),
    };
  } catch (error) {
    await engine.dispose();
    throw error;
  }
}

/** The site next to the page: `worker.js` and `ort/`. */
export function siteNextTo(page: string): EngineSite {
  return { workerUrl: new URL('worker.js', page).href, wasmPaths: new URL('ort/', page).href };
}
