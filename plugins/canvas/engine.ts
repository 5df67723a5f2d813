/**
 * The demo's edit engine: core's Worker engine (`createWorkerEditor`, worker
 * entry `core/jobs/worker.ts`, built next to the page as `worker.js`) behind
 * the {@link EditEngine} interface. The worker picks WebGPU when the browser
 * has an adapter that fits the model (the denoising loop then stays on the
 * GPU), else multi-threaded WASM; the page only paints, so painting,
 * progress, previews and Cancel stay live during an edit.
 *
 * The worker loads the model itself (remote models through core/delivery's
 * IndexedDB cache, with download progress forwarded here). The page opens the
 * same model too, for its tokenizer (the prompt's token count) and scheduler
 * config only: configs and vocab, no weights, from the cache the worker filled.
 */
import type { EditEngine } from '../../adapters/canvas';
import type { DownloadProgress } from '../../core/delivery';
import { createWorkerEditor, type WorkerEditor } from '../../core/jobs/client';
import type { WorkerModelSource } from '../../core/jobs/protocol';
import { loadModelRepo, type ModelKind, type RepoSource } from '../../core/models';
import type { BackendChoice } from '../../core/runtime/backend';
import { defaultSchedulerName } from '../../core/schedulers';
import type { TokenCounter } from '../ui';
import type { ModelSizes } from '../../core/pipelines/resolution';
import { modelSizes } from '../ui/working-size';

/** A loaded model: the engine and what the panel shows about it. */
export interface LoadedModel {
  engine: EditEngine;
  tokenizer: TokenCounter;
  kind: ModelKind;
  /** The scheduler the model's own config asks for. */
  defaultScheduler: string;
  description: string;
  /** Where the engine runs (WebGPU or WASM) and why. */
  backend: BackendChoice;
  /** The model's sizes, for the resolution the panel asks for. */
  sizes: ModelSizes;
}

/** Where the demo's files are: the worker script and ONNX Runtime's `dist/` folder. */
export interface EngineSite {
  /** URL of the bundled worker entry (`worker.js` next to the page). */
  workerUrl: string;
  /** URL prefix of onnxruntime-web's `.wasm` / `.mjs` files (`/ort/`). */
  wasmPaths: string;
}

/**
 * Starts the engine in a Worker on `model` (the worker downloads it when it is
 * remote and not cached), then opens `pageSource` on the page for the
 * tokenizer and scheduler config.
 */
export async function loadModel(
  site: EngineSite,
  model: WorkerModelSource,
  pageSource: () => Promise<RepoSource>,
  onDownloadProgress?: (p: DownloadProgress) => void,
): Promise<LoadedModel> {
  const editor: WorkerEditor = await createWorkerEditor({
    worker: () => new Worker(site.workerUrl, { type: 'module', name: 'stipple-engine' }),
    model,
    wasmPaths: site.wasmPaths,
    ...(onDownloadProgress && { onDownloadProgress }),
  });
  try {
    const source = await pageSource();
    const repo = await loadModelRepo(source);
    return {
      engine: editor,
      tokenizer: repo.tokenizer,
      kind: repo.kind,
      defaultScheduler: defaultSchedulerName(repo.schedulerConfig),
      description: editor.info.model,
      backend: editor.info.backend,
      sizes: modelSizes(repo),
    };
  } catch (error) {
    await editor.dispose();
    throw error;
  }
}

