/**
 * One model library for every host: what the user chose ({@link ModelInput}:
 * a preset id, a repo URL, a manifest, picked files, a folder handle) in a
 * form that can be posted to a Worker ({@link PostedModelInput}), the words
 * a panel shows for it, and how either side opens it.
 *
 * The engine (in a Worker or inline) opens the posted form and downloads
 * what is missing into the cache; a page that only needs the configs and
 * tokenizer opens the same form `offline`, from the cache the engine filled.
 *
 * Browser-safe.
 */
import { InvalidInputError } from '../image/errors';
import { UrlSource, type RepoSource } from '../models/source';
import { DirectoryHandleSource, FileListSource, pickedFiles, type PickedFile } from './file-sources';
import { isDirectoryHandle, isFileList, isRepoSource, openModelSource, type ModelInput, type OpenModelOptions } from './load';
import type { ModelManifest } from './manifest';
import { findPreset, isLocalPreset } from './presets';

/**
 * A {@link ModelInput} as plain, structured-clone-safe data.
 *
 * - `{ url }`: a static folder in the diffusers/Optimum layout, read as it is
 *   (no cache: models the app serves itself, such as the local presets);
 *   `files`, when known, lists every file it has (no probing, no 404s).
 * - `{ preset }` / `{ repo }` / `{ manifest }`: through the model cache
 *   (resuming, verified, offline once cached). `base` resolves relative URLs.
 * - `{ files }`: picked files with their folder paths, read in place.
 * - `{ folder }`: a `FileSystemDirectoryHandle`, read in place.
 */
export type PostedModelInput =
  | { url: string; files?: string[] }
  | { preset: string; base?: string }
  | { repo: string; base?: string }
  | { manifest: ModelManifest; base?: string }
  | { files: PickedFile[] }
  | { folder: FileSystemDirectoryHandle };

/** What a panel shows for a chosen model. */
export interface ModelLabel {
  title: string;
  /** Something to know before editing with it (e.g. random weights). */
  note?: string;
}

/**
 * The postable form of `input`. Local presets become their `{ url }` (read
 * from the app's server, not cached); relative URLs are resolved against `base`.
 *
 * @throws {InvalidInputError} for a `RepoSource` other than a `UrlSource`
 *   (it holds functions, which cannot be posted).
 */
export function postModelInput(input: ModelInput, base?: string): PostedModelInput {
  if (typeof input === 'string' || input instanceof URL) {
    const text = String(input);
    const preset = findPreset(text);
    if (preset && isLocalPreset(preset)) {
      // A local preset's manifest lists exactly what the app serves (none of its files is optional).
      const listed = preset.files.every((f) => !f.optional);
      return { url: resolve(preset.baseUrl!, base), ...(listed && { files: preset.files.map((f) => f.path) }) };
    }
    if (preset || !/[/:]/.test(text)) return { preset: text, ...(base !== undefined && { base }) };
    return { repo: resolve(text, base) };
  }
  if (isDirectoryHandle(input)) return { folder: input };
  if (isFileList(input)) return { files: pickedFiles(input) };
  if (isRepoSource(input)) {
    if (input instanceof UrlSource) return { url: input.description };
    throw new InvalidInputError(`${input.description} cannot be sent to a Worker: pass its URL, the picked files, or a folder handle instead.`);
  }
  return { manifest: input, ...(base !== undefined && { base }) };
}

/** The title (and note) a panel shows for `input`. */
export function labelModelInput(input: ModelInput): ModelLabel {
  if (typeof input === 'string' || input instanceof URL) {
    const preset = findPreset(String(input));
    if (!preset) return { title: String(input) };
    return isLocalPreset(preset) ? { title: preset.title, note: 'Random weights: its output is noise.' } : { title: preset.title };
  }
  if (isDirectoryHandle(input)) return { title: `Folder “${input.name}”` };
  if (isFileList(input)) {
    const folder = new FileListSource(input).folder;
    return { title: folder !== undefined ? `Folder “${folder}”` : 'Picked files' };
  }
  if (isRepoSource(input)) return { title: input.description };
  return { title: input.id };
}

/**
 * Opens a posted model: `{ url }` as a plain folder, presets, repo URLs and
 * manifests through the model cache (IndexedDB where there is one, else
 * memory), picked files and folders in place. Pass `offline: true` to read
 * only what the cache holds (a page opening the configs of a model its
 * Worker downloaded).
 */
export async function openPostedModel(model: PostedModelInput, options: OpenModelOptions = {}): Promise<RepoSource> {
  if ('url' in model) return new UrlSource(model.url, undefined, model.files);
  if ('files' in model) return new FileListSource(model.files);
  if ('folder' in model) return new DirectoryHandleSource(model.folder);
  // The cache defaults to this realm's (IndexedDB in pages and Workers alike, so a page reads what its Worker stored).
  const opts: OpenModelOptions = { ...options, ...(model.base !== undefined && { base: model.base }) };
  if ('preset' in model) return openModelSource(model.preset, opts);
  if ('repo' in model) return openModelSource(model.repo, opts);
  return openModelSource(model.manifest, opts);
}

/** True for the posted form: a plain object with one of its keys (a manifest, which has `files` too, has an `id`). */
export function isPostedModelInput(model: ModelInput | PostedModelInput): model is PostedModelInput {
  if (typeof model !== 'object' || model === null || Object.getPrototypeOf(model) !== Object.prototype || 'id' in model) return false;
  return ['url', 'preset', 'repo', 'manifest', 'folder', 'files'].some((k) => k in model);
}

function resolve(url: string, base: string | undefined): string {
  try {
    return new URL(url, base ?? (globalThis as { location?: { href?: string } }).location?.href).href;
  } catch {
    throw new InvalidInputError(`"${url}" is neither a model preset nor a URL. Pass a preset id, a repo URL, picked files, or a folder.`);
  }
}
