/**
 * One entry point from "what the user chose" to a model repo: a preset id, a
 * repo URL, a manifest, picked files or folder, or any RepoSource. Remote
 * models are downloaded into the cache first (or only checked, when already
 * there) and then read from it, so a cached model loads with no network.
 *
 * Browser-safe.
 */
import { StippleError } from '../errors';
import { loadModelRepo, type ModelRepo } from '../models/repo';
import type { RepoSource } from '../models/source';
import type { ModelCache } from './cache';
import { CachedSource, checkCachedModel, type CachedSourceOptions } from './cached-source';
import { discoverManifest } from './discover';
import { downloadModel, type DownloadOptions } from './downloader';
import { CacheError } from './errors';
import { DirectoryHandleSource, FileListSource } from './file-sources';
import { IndexedDbCache } from './idb-cache';
import { checkManifest, resolveManifestUrls, type ModelManifest } from './manifest';
import { MemoryCache } from './memory-cache';
import { findPreset, presetManifest } from './presets';
import { ProgressTracker } from './progress';

/** Anything a model can be opened from. */
export type ModelInput =
  | string
  | URL
  | ModelManifest
  | RepoSource
  | FileList
  | readonly File[]
  | FileSystemDirectoryHandle;

/** Options of {@link openModelSource} and {@link loadModel}. */
export interface OpenModelOptions extends Omit<DownloadOptions, 'cache'> {
  /** Where remote models are kept. Default: IndexedDB in browsers, memory elsewhere. */
  readonly cache?: ModelCache;
  /** URL that relative preset and repo URLs are resolved against; defaults to the page's URL. */
  readonly base?: string | URL;
  /** Never touch the network: a model that is not fully cached is a {@link CacheError}. */
  readonly offline?: boolean;
  /**
   * Checks made on every read from the cache. `sha256` also makes downloads
   * compute and record every file's sha256 (unless `verify` says otherwise),
   * so each read is checked against the hash of the bytes first received.
   */
  readonly readVerify?: CachedSourceOptions['verify'];
}

let sharedCache: ModelCache | undefined;

/** The cache used when none is passed: one per page. */
export function defaultModelCache(): ModelCache {
  sharedCache ??= typeof indexedDB !== 'undefined' ? new IndexedDbCache() : new MemoryCache();
  return sharedCache;
}

/**
 * Opens a model as a {@link RepoSource}, downloading it into the cache first
 * when it is remote and not yet (fully) cached.
 *
 * - a preset id (`tiny-sd`, `sd-turbo`, ...: see `models/presets.json`);
 * - a repo URL (`https://huggingface.co/<owner>/<repo>/resolve/<rev>/`);
 * - a {@link ModelManifest};
 * - picked files (`FileList`, `File[]`) or a `FileSystemDirectoryHandle`:
 *   read in place, never copied;
 * - any `RepoSource` (e.g. `NodeFolderSource` in Node): returned as is.
 *
 * @throws {StippleError} `INVALID_INPUT` for a string that is neither a
 *   preset id nor a URL.
 * @throws whatever {@link downloadModel} throws, and {@link CacheError} when
 *   `offline` and the model is not fully cached.
 */
export async function openModelSource(input: ModelInput, options: OpenModelOptions = {}): Promise<RepoSource> {
  if (isRepoSource(input)) return input;
  if (isDirectoryHandle(input)) return new DirectoryHandleSource(input);
  if (isFileList(input)) return new FileListSource(input);
  const cache = options.cache ?? defaultModelCache();
  if (typeof input === 'string' || input instanceof URL) {
    const text = String(input);
    // A bare word is meant as a preset: name the presets instead of fetching "<page>/<word>/".
    if (findPreset(text) || !/[/:]/.test(text)) return ensureCached(presetManifest(text, options.base), cache, options);
    return openUrl(resolveUrl(text, options.base), cache, options);
  }
  const manifest = checkManifest(input);
  const base = options.base ?? pageUrl();
  return ensureCached(base === undefined ? manifest : resolveManifestUrls(manifest, base), cache, options);
}

/**
 * {@link openModelSource}, then `loadModelRepo`: the configs and tokenizer
 * are read and every component file checked, ready for the runtime.
 */
export async function loadModel(input: ModelInput, options: OpenModelOptions = {}): Promise<ModelRepo> {
  const source = await openModelSource(input, options);
  try {
    return await loadModelRepo(source);
  } catch (error) {
    // A cached file found damaged on read has been dropped from the record: fetch it (and any
    // other damaged file found with it) once more. Offline, the CacheError says how to repair.
    if (!(source instanceof CachedSource) || !(error instanceof CacheError) || options.offline) throw error;
    return loadModelRepo(await openModelSource(input, options));
  }
}

/** Downloads what is missing of `manifest` (nothing, when all is cached) and opens it from the cache. */
async function ensureCached(manifest: ModelManifest, cache: ModelCache, options: OpenModelOptions): Promise<CachedSource> {
  const check = await checkCachedModel(cache, manifest.id);
  if (check.complete && check.record && sameFiles(check.record.manifest, manifest)) {
    announceReady(manifest, options);
    return new CachedSource(cache, check.record, { verify: options.readVerify });
  }
  if (options.offline) {
    const missing = check.record ? check.missing : [];
    throw new CacheError(manifest.id, missing, `not ${check.record ? 'fully ' : ''}cached, and loading offline was asked for`);
  }
  const verify = options.verify ?? (options.readVerify === 'sha256' ? 'sha256' : undefined);
  await downloadModel(manifest, { ...options, cache, verify });
  return CachedSource.open(cache, manifest.id, { verify: options.readVerify });
}

/** A repo URL: straight from the cache when it is there, else discovered and downloaded. */
async function openUrl(url: string, cache: ModelCache, options: OpenModelOptions): Promise<CachedSource> {
  const id = url.endsWith('/') ? url : `${url}/`;
  const check = await checkCachedModel(cache, id);
  if (check.complete && check.record) {
    announceReady(check.record.manifest, options);
    return new CachedSource(cache, check.record, { verify: options.readVerify });
  }
  if (options.offline) throw new CacheError(id, check.missing, 'not cached, and loading offline was asked for');
  const manifest = check.record?.manifest ?? (await discoverManifest(id, options));
  return ensureCached(manifest, cache, options);
}

/** Same revision and same files: the cached copy is this manifest's. */
function sameFiles(a: ModelManifest, b: ModelManifest): boolean {
  if (a.revision !== b.revision || a.files.length !== b.files.length) return false;
  const byPath = new Map(a.files.map((f) => [f.path, f]));
  return b.files.every((f) => {
    const g = byPath.get(f.path);
    return g !== undefined && g.sha256 === f.sha256 && g.size === f.size;
  });
}

function announceReady(manifest: ModelManifest, options: OpenModelOptions): void {
  if (!options.onProgress) return;
  const tracker = new ProgressTracker(manifest.id, options.onProgress, Infinity);
  for (const f of manifest.files) tracker.add(f.path, f.size ?? 0, f.size ?? 0);
  tracker.ready();
}

function resolveUrl(text: string, base: string | URL | undefined): string {
  const against = base ?? pageUrl();
  try {
    return new URL(text, against).href;
  } catch {
    throw new StippleError(
      'INVALID_INPUT',
      `"${text}" is neither a model preset nor a URL. Pass a preset id, a repo URL (https://huggingface.co/<owner>/<repo>/resolve/main/), picked files, or a folder.`,
    );
  }
}

function pageUrl(): string | undefined {
  return (globalThis as { location?: { href?: string } }).location?.href;
}

/** @internal */
export function isRepoSource(input: ModelInput): input is RepoSource {
  const s = input as Partial<RepoSource>;
  return typeof s === 'object' && typeof s.exists === 'function' && typeof s.readBytes === 'function' && typeof s.readText === 'function';
}

/** @internal */
export function isDirectoryHandle(input: ModelInput): input is FileSystemDirectoryHandle {
  const h = input as Partial<FileSystemDirectoryHandle>;
  return typeof h === 'object' && h.kind === 'directory' && typeof h.getFileHandle === 'function';
}

/** @internal */
export function isFileList(input: ModelInput): input is FileList | readonly File[] {
  if (typeof FileList !== 'undefined' && input instanceof FileList) return true;
  return Array.isArray(input) && input.every((f) => typeof Blob !== 'undefined' && f instanceof Blob);
}
