/**
 * The plugin's models: the presets of `models/presets.json`, a repo URL or
 * a local folder, downloaded once into the browser's model cache
 * (core/delivery), then loaded into an in-process editor. The Worker
 * engine (core/jobs) has the same `edit` API and can replace it here.
 */
import { createEditor, type Editor } from '../../core/editor';
import {
  defaultModelCache,
  deleteCachedModel,
  listCachedModels,
  manifestBytes,
  openModelSource,
  PRESETS,
  type DownloadProgress,
} from '../../core/delivery';
import { UrlSource, type RepoSource } from '../../core/models';
import { defaultOrt } from '../../core/runtime';
import { defaultSchedulerName } from '../../core/schedulers';
import type { CachedModel, ModelPresetOption } from '../ui';

/** A loaded model: the engine and what the panel shows about it. */
export interface LoadedModel {
  editor: Editor;
  title: string;
  note?: string;
  defaultScheduler: string;
}

/** Points ONNX Runtime at its .wasm files, served next to the plugin under `ort/`. */
export function configureOrt(wasmBase: string): void {
  defaultOrt.env.wasm.wasmPaths = wasmBase;
}

/** The presets the model picker offers (full Stable Diffusion repos; the preview-only VAE is left out). */
export const PRESET_OPTIONS: readonly ModelPresetOption[] = PRESETS.filter((p) => p.kind === 'plain' || p.kind === 'inpaint' || p.kind === 'pix2pix').map(
  (p) => {
    const bytes = manifestBytes(p);
    return { id: p.id, title: p.title, kind: p.kind!, notes: p.notes, ...(bytes !== undefined && { bytes }) };
  },
);

/** Where a model comes from. */
export type ModelChoice =
  | { type: 'preset'; id: string }
  | { type: 'url'; url: string }
  | { type: 'files'; files: FileList }
  /** A plain URL source, read directly (not cached): for a model served next to the plugin. */
  | { type: 'direct'; url: string };

/** Opens (downloading into the cache when needed) and loads a model. */
export async function loadModel(choice: ModelChoice, page: string, onProgress: (e: DownloadProgress) => void): Promise<LoadedModel> {
  let source: RepoSource;
  let title: string;
  let note: string | undefined;
  switch (choice.type) {
    case 'preset': {
      const preset = PRESETS.find((p) => p.id === choice.id);
      source = await openModelSource(choice.id, { base: page, onProgress });
      title = preset?.title ?? choice.id;
      if (preset && /random weights/i.test(preset.title + preset.notes)) note = 'Random weights: its output is noise.';
      break;
    }
    case 'url':
      source = await openModelSource(new URL(choice.url, page).href, { base: page, onProgress });
      title = choice.url;
      break;
    case 'files':
      source = await openModelSource(choice.files);
      title = source.description;
      break;
    case 'direct':
      source = new UrlSource(new URL(choice.url, page));
      title = choice.url;
      break;
  }
  const editor = await createEditor({ model: source });
  const loaded: LoadedModel = { editor, title, defaultScheduler: defaultSchedulerName(editor.repo.schedulerConfig) };
  if (note !== undefined) loaded.note = note;
  return loaded;
}

/** What the model cache holds, for the manager (null when the browser gives no storage). */
export async function cachedModels(): Promise<{ models: CachedModel[]; usage?: number; quota?: number } | null> {
  try {
    const infos = await listCachedModels(defaultModelCache());
    const models = infos.map((m) => ({ id: m.id, title: PRESETS.find((p) => p.id === m.id)?.title ?? m.id, bytes: m.bytes }));
    const estimate = await navigator.storage?.estimate?.().catch(() => undefined);
    return {
      models,
      ...(estimate?.usage !== undefined && { usage: estimate.usage }),
      ...(estimate?.quota !== undefined && { quota: estimate.quota }),
    };
  } catch {
    return null;
  }
}

export async function deleteModel(id: string): Promise<void> {
  await deleteCachedModel(defaultModelCache(), id);
}
