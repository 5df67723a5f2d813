/**
 * `stipple models`: the disk cache of downloaded models, as `huggingface-cli`
 * users expect to manage it. `list`, `pull`, `rm`, `path` and `verify` work
 * on preset ids and repo URLs (the cache keys); only `pull` uses the network.
 */
import { parseArgs } from 'node:util';
import {
  CachedSource,
  checkCachedModel,
  deleteCachedModel,
  formatBytes,
  listCachedModels,
  openModelSource,
} from '../../core/delivery';
import { defaultNodeCache } from '../../core/delivery/node-cache-location';
import type { NodeRepoCache } from '../../core/delivery/node-repo-cache';
import { errorMessage, StippleError } from '../../core/errors';
import { cacheId, cliDownloadOptions, parseModelSpec } from './model-input';

export const MODELS_USAGE = `Usage:
  stipple models list [--json]        cached models: id, source, size on disk, complete or damaged
  stipple models pull ID|URL [--quiet] download (or finish downloading) a preset or repo URL
  stipple models rm ID|URL            delete a cached model
  stipple models path ID|URL          the model's folder in the cache, in the repo's own layout
  stipple models verify ID|URL        re-read every file and check its size, sha256 and ONNX framing
Cache: $STIPPLE_CACHE_DIR, else $XDG_CACHE_HOME/stipple, else ~/.cache/stipple.`;

/** Runs `stipple models ...`; returns the exit code. */
export async function modelsCommand(argv: readonly string[], cache: NodeRepoCache = defaultNodeCache()): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { json: { type: 'boolean' }, quiet: { type: 'boolean' } },
    allowPositionals: true,
  });
  const [action, target, ...extra] = positionals;
  if (action === 'list' && target === undefined) return list(cache, values.json);
  if (!action || !['pull', 'rm', 'path', 'verify'].includes(action) || target === undefined || extra.length > 0) {
    throw new StippleError('INVALID_INPUT', `${action ? `"models ${positionals.join(' ')}" is not a models command` : 'models needs a command'}.\n${MODELS_USAGE}`);
  }
  const id = await targetId(target);
  if (action === 'pull') return pull(cache, id, values.quiet);
  if (action === 'rm') return remove(cache, id);
  if (action === 'path') return path(cache, id);
  return verify(cache, id);
}

async function list(cache: NodeRepoCache, json: boolean | undefined): Promise<number> {
  const models = await listCachedModels(cache);
  const rows = models.map((m) => ({
    id: m.id,
    source: m.source ?? '(per-file URLs)',
    bytes: m.bytes,
    state: m.complete ? 'complete' : 'damaged',
    missing: m.missing,
  }));
  if (json) {
    process.stdout.write(`${JSON.stringify({ cache: cache.root, models: rows })}\n`);
    return 0;
  }
  if (rows.length === 0) {
    process.stdout.write(`No models in ${cache.root}.\n`);
    return 0;
  }
  const table = [['ID', 'SOURCE', 'SIZE', 'STATE'], ...rows.map((r) => [r.id, r.source, formatBytes(r.bytes), r.state === 'complete' ? 'complete' : `damaged (${r.missing.length} files missing or partial)`])];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  for (const row of table) process.stdout.write(`${row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ')}\n`);
  return 0;
}

async function pull(cache: NodeRepoCache, id: string, quiet: boolean | undefined): Promise<number> {
  await openModelSource(id, cliDownloadOptions(cache, quiet));
  process.stdout.write(`${cache.repoDir(id)}\n`);
  return 0;
}

async function remove(cache: NodeRepoCache, id: string): Promise<number> {
  await requireCached(cache, id);
  await deleteCachedModel(cache, id);
  process.stderr.write(`stipple: removed ${id} from ${cache.root}\n`);
  return 0;
}

/** The repo folder, for `--model` and other tools; a model not complete gets a warning (its files may be partial). */
async function path(cache: NodeRepoCache, id: string): Promise<number> {
  await requireCached(cache, id);
  const check = await checkCachedModel(cache, id);
  if (!check.complete) {
    process.stderr.write(`stipple: warning: ${id} is not complete (${check.missing.join(', ')}); \`stipple models pull ${id}\` finishes it.\n`);
  }
  process.stdout.write(`${cache.repoDir(id)}\n`);
  return 0;
}

/**
 * Reads every stored file through the cache's checks (chunk lengths, the
 * sha256 recorded at download, ONNX framing). A damaged file is marked for
 * download in the record, so `stipple models pull` fetches just that file.
 */
async function verify(cache: NodeRepoCache, id: string): Promise<number> {
  await requireCached(cache, id);
  const check = await checkCachedModel(cache, id);
  const damaged = new Map<string, string>(check.missing.map((p) => [p, 'missing or partly downloaded']));
  const source = new CachedSource(cache, check.record!, { verify: 'sha256' });
  for (const file of check.record!.manifest.files) {
    if (damaged.has(file.path) || !(await source.exists(file.path))) continue;
    try {
      await source.readBytes(file.path);
    } catch (error) {
      if (!(error instanceof StippleError)) throw error;
      damaged.set(file.path, errorMessage(error));
    }
  }
  if (damaged.size === 0) {
    process.stdout.write(`${id}: complete, every file checked\n`);
    return 0;
  }
  for (const [file, why] of damaged) process.stdout.write(`${id}: ${file}: damaged (${why})\n`);
  process.stderr.write(`stipple: ${id} is damaged; \`stipple models pull ${id}\` downloads the damaged files again.\n`);
  return 1;
}

/** The cache key of a `models` target: a preset id or a repo URL (a folder is not in the cache). */
async function targetId(target: string): Promise<string> {
  const spec = await parseModelSpec(target);
  if (spec.kind === 'folder') {
    throw new StippleError('INVALID_INPUT', `"${target}" is a folder; \`stipple models\` manages downloaded models: pass a preset id or a repo URL.`);
  }
  return cacheId(spec);
}

async function requireCached(cache: NodeRepoCache, id: string): Promise<void> {
  if ((await cache.getRecord(id)) === undefined) {
    throw new StippleError('INVALID_INPUT', `${id} is not in the model cache (${cache.root}). \`stipple models list\` shows what is.`);
  }
}
