/**
 * The manifest of a model: which files it has, how big they are, their
 * sha256 where known, where to download them, and which revision they are.
 * Every source (preset, URL, cache) comes down to one of these, and the
 * downloader and the cache need nothing else.
 *
 * Browser-safe.
 */
import { StippleError } from '../errors';
import type { ModelKind } from '../models/repo';
import { checkRepoPath, UrlSource } from '../models/source';

/** What a model is for: a Stable Diffusion repo kind, or the TAESD preview VAE. */
export type ManifestKind = ModelKind | 'taesd';

/** One file of a model. */
export interface ManifestFile {
  /** Repo path with `/` separators, e.g. `unet/model.onnx`. */
  readonly path: string;
  /** Size in bytes; when absent it is taken from the server's `Content-Length`. */
  readonly size?: number;
  /** Lowercase hex sha256; when absent only the size is checked. */
  readonly sha256?: string;
  /** Download URL when the file does not live under the manifest's `baseUrl` (absolute, or relative to `baseUrl`). */
  readonly url?: string;
  /** The repo may lack this file: a 404 marks it absent instead of failing the download. */
  readonly optional?: boolean;
}

/** Everything needed to download, cache and verify one model. */
export interface ModelManifest {
  /** Cache key; stable across sessions (a preset id, or the repo URL). */
  readonly id: string;
  /** Repo revision (commit, tag or branch). A different revision invalidates cached files without a sha256. */
  readonly revision: string;
  /** URL of the repo root (Hugging Face `.../resolve/<revision>/` or any static folder). */
  readonly baseUrl?: string;
  readonly kind?: ManifestKind;
  readonly files: readonly ManifestFile[];
}

const SHA256 = /^[0-9a-f]{64}$/;
const KINDS: readonly string[] = ['plain', 'inpaint', 'pix2pix', 'taesd'];

/**
 * Checks that `value` is a well-formed manifest (e.g. one read from JSON) and
 * returns it typed.
 *
 * @throws {StippleError} `INVALID_INPUT` naming the first problem.
 */
export function checkManifest(value: unknown): ModelManifest {
  const bad = (what: string): never => {
    throw new StippleError('INVALID_INPUT', `Not a valid model manifest: ${what}.`);
  };
  if (typeof value !== 'object' || value === null) return bad('expected an object');
  const m = value as Record<string, unknown>;
  if (typeof m['id'] !== 'string' || m['id'] === '') bad('"id" must be a non-empty string');
  if (typeof m['revision'] !== 'string' || m['revision'] === '') bad(`${m['id']}: "revision" must be a non-empty string`);
  if (m['baseUrl'] !== undefined && typeof m['baseUrl'] !== 'string') bad(`${m['id']}: "baseUrl" must be a string`);
  if (m['kind'] !== undefined && !KINDS.includes(m['kind'] as string)) bad(`${m['id']}: "kind" must be one of ${KINDS.join(', ')}`);
  if (!Array.isArray(m['files']) || m['files'].length === 0) return bad(`${m['id']}: "files" must be a non-empty list`);
  const seen = new Set<string>();
  for (const f of m['files'] as unknown[]) {
    if (typeof f !== 'object' || f === null) return bad(`${m['id']}: every file must be an object`);
    const file = f as Record<string, unknown>;
    const path = file['path'];
    if (typeof path !== 'string') return bad(`${m['id']}: every file needs a "path"`);
    try {
      checkRepoPath(path);
    } catch {
      bad(`${m['id']}: "${path}" is not a repo path`);
    }
    if (seen.has(path)) bad(`${m['id']}: "${path}" is listed twice`);
    seen.add(path);
    const size = file['size'];
    if (size !== undefined && !(Number.isSafeInteger(size) && (size as number) >= 0)) bad(`${path}: "size" must be a whole number of bytes`);
    const sha = file['sha256'];
    if (sha !== undefined && !(typeof sha === 'string' && SHA256.test(sha))) bad(`${path}: "sha256" must be 64 lowercase hex digits`);
    if (file['url'] !== undefined && typeof file['url'] !== 'string') bad(`${path}: "url" must be a string`);
    if (file['url'] === undefined && m['baseUrl'] === undefined) bad(`${path}: no "url" and the manifest has no "baseUrl"`);
  }
  return value as ModelManifest;
}

/** Sum of the file sizes, or `undefined` when some size is unknown. */
export function manifestBytes(manifest: ModelManifest): number | undefined {
  let total = 0;
  for (const f of manifest.files) {
    if (f.size === undefined) return undefined;
    total += f.size;
  }
  return total;
}

/** The download URL of one file of the manifest. */
export function fileUrl(manifest: ModelManifest, file: ManifestFile): string {
  if (file.url !== undefined) return manifest.baseUrl === undefined ? file.url : new URL(file.url, manifest.baseUrl).href;
  if (manifest.baseUrl === undefined) {
    throw new StippleError('INVALID_INPUT', `${manifest.id}: ${file.path} has no URL and the manifest no baseUrl.`);
  }
  return new UrlSource(manifest.baseUrl).url(file.path);
}

/**
 * The revision named in a Hugging Face `.../resolve/<revision>/` URL, or
 * `undefined` for other hosts.
 */
export function revisionFromUrl(url: string): string | undefined {
  const match = /\/resolve\/([^/]+)\/?/.exec(new URL(url).pathname);
  return match ? decodeURIComponent(match[1]!) : undefined;
}

/** A manifest with `baseUrl` and file `url`s resolved against `base` (so relative preset URLs become absolute). */
export function resolveManifestUrls(manifest: ModelManifest, base: string | URL): ModelManifest {
  const baseUrl = manifest.baseUrl === undefined ? undefined : new URL(manifest.baseUrl, base).href;
  return {
    ...manifest,
    ...(baseUrl === undefined ? {} : { baseUrl }),
    files: manifest.files.map((f) => (f.url === undefined ? f : { ...f, url: new URL(f.url, baseUrl ?? base).href })),
  };
}
