/**
 * What `--model` accepts on the command line: the same models as the
 * browser (a preset id or a repo URL, downloaded into the disk cache, or read
 * straight from it when it is there) plus a local folder.
 */
import { stat } from 'node:fs/promises';
import { openModelSource, PRESETS, findPreset, type CachedSource, type OpenModelOptions } from '../../core/delivery';
import { defaultNodeCache, nodeSha256 } from '../../core/delivery/node-cache-location';
import { RepoCachedSource, type NodeRepoCache } from '../../core/delivery/node-repo-cache';
import { StippleError } from '../../core/errors';
import type { RepoSource } from '../../core/models';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { progressReporter, progressStyle } from './progress';

/** What a `--model` value names. */
export type ModelSpec =
  | { readonly kind: 'folder'; readonly dir: string }
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'preset'; readonly id: string };

/** How the CLI downloads: into the disk cache, hashing every file so `stipple models verify` can check it later. */
export function cliDownloadOptions(cache: NodeRepoCache, quiet: boolean | undefined): OpenModelOptions {
  return {
    cache,
    chunkSize: cache.chunkSize,
    onProgress: progressReporter(progressStyle(quiet)),
    verify: 'sha256',
    createHasher: nodeSha256,
    // A folder on disk has no browser quota to ask about: free space is checked through the cache.
    storage: null,
  };
}

/**
 * Reads a `--model` value: `scheme://...` is a repo URL; an existing folder
 * is a folder; a preset id is a preset; anything else with a `/` or a `.` in
 * it is a folder (so the error names the missing `model_index.json`).
 *
 * @throws {StippleError} `INVALID_INPUT` for a bare word that is neither a folder nor a preset.
 */
export async function parseModelSpec(value: string): Promise<ModelSpec> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return { kind: 'url', url: value.endsWith('/') ? value : `${value}/` };
  if (await isDirectory(value)) return { kind: 'folder', dir: value };
  if (findPreset(value)) return { kind: 'preset', id: value };
  if (/[/\\.]/.test(value)) return { kind: 'folder', dir: value };
  throw new StippleError(
    'INVALID_INPUT',
    `"${value}" is neither a model folder nor a preset. Presets: ${PRESETS.map((p) => p.id).join(', ')}; or pass a repo URL (https://huggingface.co/<owner>/<repo>/resolve/main/) or a folder.`,
  );
}

/** The cache id of a preset or URL spec (what `stipple models` lists). */
export function cacheId(spec: Exclude<ModelSpec, { kind: 'folder' }>): string {
  return spec.kind === 'url' ? spec.url : spec.id;
}

/**
 * Opens `--model`: a folder in place; a preset or URL from the cache at
 * `$STIPPLE_CACHE_DIR` (else `$XDG_CACHE_HOME/stipple`, else
 * `~/.cache/stipple`), downloading what is missing first. A model already
 * complete in the cache opens with no network at all.
 */
export async function openCliModel(value: string, options: { quiet?: boolean; cache?: NodeRepoCache } = {}): Promise<RepoSource> {
  const spec = await parseModelSpec(value);
  if (spec.kind === 'folder') {
    if (!(await exists(spec.dir))) throw new StippleError('INVALID_INPUT', `--model ${spec.dir}: there is no such folder (nor a preset of that name).`);
    return new NodeFolderSource(spec.dir);
  }
  const cache = options.cache ?? defaultNodeCache();
  const cached = (await openModelSource(cacheId(spec), cliDownloadOptions(cache, options.quiet))) as CachedSource;
  // Same record and checks, but large external data reaches ONNX Runtime as a file path.
  return new RepoCachedSource(cache, cached.record);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
