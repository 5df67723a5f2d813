/**
 * Where the demo's models come from, through core's model delivery
 * (core/delivery): the presets of `models/presets.json`, a repo URL, or a
 * local folder. Remote models are downloaded once into the browser's model
 * cache (IndexedDB) and load offline afterwards; the tiny test models are
 * served by the demo server itself and read straight from it.
 */
import {
  defaultModelCache,
  deleteCachedModel,
  listCachedModels,
  manifestBytes,
  openModelSource,
  PRESETS,
  type ModelPreset,
} from '../../core/delivery';
import type { WorkerModelSource } from '../../core/jobs/protocol';
import { UrlSource, type RepoSource } from '../../core/models';
import type { CachedModel, ModelPresetOption } from '../ui';

/** The model the demo opens with: the tiny inpainting test model. */
export const DEFAULT_PRESET_ID = 'tiny-sd-inpaint';

const FULL_KINDS = new Set(['plain', 'inpaint', 'pix2pix']);

/** Full Stable Diffusion presets (TAESD, a preview VAE only, is left out). */
export const DEMO_PRESETS: readonly ModelPreset[] = PRESETS.filter((p) => p.kind !== undefined && FULL_KINDS.has(p.kind));

/** The presets as the model picker lists them. */
export const PRESET_OPTIONS: readonly ModelPresetOption[] = DEMO_PRESETS.map((p) => {
  const bytes = manifestBytes(p);
  return { id: p.id, title: p.title, kind: p.kind!, notes: p.notes, ...(bytes !== undefined && { bytes }) };
});

/** True for presets the demo server serves itself (a relative base URL): no download, no cache. */
export function isLocalPreset(p: ModelPreset): boolean {
  return p.baseUrl !== undefined && !/^[a-z][a-z0-9+.-]*:/i.test(p.baseUrl);
}

/** What the user picked in the model manager. */
export type ModelChoice = { preset: string } | { url: string } | { files: FileList };

/** A chosen model, as the engine's worker loads it and as the page opens it (tokenizer and configs only). */
export interface ResolvedChoice {
  /** What the worker loads: a folder the demo server serves, a preset or repo URL through the cache, or picked files. */
  model: WorkerModelSource;
  /** Opens the model on the page, once the worker has it (remote models: from the cache it filled, offline). */
  pageSource(): Promise<RepoSource>;
  title: string;
  note?: string;
}

/**
 * Resolves the chosen model: local presets from the demo server, remote
 * presets and URLs through the cache (the worker downloads what is missing,
 * with progress), folders read in place (the File objects are cloned to the
 * worker, with their paths).
 */
export function resolveChoice(choice: ModelChoice, page: string): ResolvedChoice {
  if ('files' in choice) {
    const files = Array.from(choice.files);
    const first = files[0]?.webkitRelativePath?.split('/')[0];
    return {
      model: { files: files.map((f) => ({ path: f.webkitRelativePath || f.name, blob: f })) },
      pageSource: () => openModelSource(files),
      title: first ? `Folder “${first}”` : 'Picked files',
    };
  }
  if ('preset' in choice) {
    const preset = DEMO_PRESETS.find((p) => p.id === choice.preset);
    if (!preset) throw new Error(`Unknown preset ${choice.preset}.`);
    if (isLocalPreset(preset)) {
      const url = new URL(preset.baseUrl!, page).href;
      return { model: { url }, pageSource: async () => new UrlSource(url), title: preset.title, note: 'Random weights: its output is noise.' };
    }
    return {
      model: { preset: preset.id, base: page },
      pageSource: () => openModelSource(preset.id, { base: page, offline: true }),
      title: preset.title,
    };
  }
  const url = new URL(choice.url, page).href;
  return { model: { repo: url }, pageSource: () => openModelSource(url, { offline: true }), title: choice.url };
}

/** The cached models with their sizes, and the browser's storage estimate. */
export async function cachedModels(): Promise<{ models: CachedModel[]; usage?: number; quota?: number }> {
  const infos = await listCachedModels(defaultModelCache());
  const models = infos.map((m) => ({
    id: m.id,
    title: `${PRESETS.find((p) => p.id === m.id)?.title ?? m.id}${m.complete ? '' : ' (incomplete)'}`,
    bytes: m.bytes,
  }));
  const estimate = await navigator.storage?.estimate?.().catch(() => undefined);
  return {
    models,
    ...(estimate?.usage !== undefined && { usage: estimate.usage }),
    ...(estimate?.quota !== undefined && { quota: estimate.quota }),
  };
}

/** Deletes a cached model. */
export function deleteModel(id: string): Promise<void> {
  return deleteCachedModel(defaultModelCache(), id);
}
