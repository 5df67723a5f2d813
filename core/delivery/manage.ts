/**
 * What a model manager UI needs: list the cached models with their sizes,
 * delete one, clear all.
 *
 * Browser-safe.
 */
import type { ManifestKind } from './manifest';
import { manifestBytes } from './manifest';
import type { ModelCache, ModelRecord } from './cache';
import { checkCachedModel } from './cached-source';
import { defaultModelCache } from './load';
import { findPreset } from './presets';

/** One cached model, as a model manager shows it. */
export interface CachedModelInfo {
  readonly id: string;
  readonly revision: string;
  readonly kind: ManifestKind | undefined;
  /** Where the files come from: the manifest's `baseUrl` (files may override it one by one). */
  readonly source: string | undefined;
  /** Every file stored in full: the model loads offline. */
  readonly complete: boolean;
  /** Bytes stored (complete files, plus the finished chunks of partial ones). */
  readonly bytes: number;
  /** Size of the whole model when the manifest knows every size. */
  readonly totalBytes: number | undefined;
  /** Files not (fully) stored. */
  readonly missing: readonly string[];
  /** `Date.now()` of the last change. */
  readonly updatedAt: number;
}

/** Every model in the cache, complete or not, most recently changed first. */
export async function listCachedModels(cache: ModelCache): Promise<CachedModelInfo[]> {
  const infos: CachedModelInfo[] = [];
  for (const record of await cache.listRecords()) {
    const check = await checkCachedModel(cache, record.id);
    infos.push({
      id: record.id,
      revision: record.manifest.revision,
      kind: record.manifest.kind,
      source: record.manifest.baseUrl,
      complete: check.complete,
      bytes: storedBytes(record),
      totalBytes: manifestBytes(record.manifest),
      missing: check.missing,
      updatedAt: record.updatedAt,
    });
  }
  return infos.sort((a, b) => b.updatedAt - a.updatedAt);
}

/** Bytes stored for model `id`, or for every model when `id` is omitted. */
export async function cachedModelSize(cache: ModelCache, id?: string): Promise<number> {
  if (id !== undefined) {
    const record = await cache.getRecord(id);
    return record ? storedBytes(record) : 0;
  }
  return (await cache.listRecords()).reduce((n, r) => n + storedBytes(r), 0);
}

/** Deletes model `id` (record and every chunk). Deleting a model that is not cached does nothing. */
export function deleteCachedModel(cache: ModelCache, id: string): Promise<void> {
  return cache.deleteModel(id);
}

/** Deletes every cached model. */
export function clearModelCache(cache: ModelCache): Promise<void> {
  return cache.clear();
}

function storedBytes(record: ModelRecord): number {
  let n = 0;
  for (const f of Object.values(record.files)) {
    if (f.state === 'complete') n += f.size ?? 0;
    else if (f.state === 'partial') n += f.chunks * f.chunkSize;
  }
  return n;
}

/** What a model manager shows: each cached model with a title and its size, and the storage estimate. */
export interface ModelCacheReport {
  readonly models: { readonly id: string; readonly title: string; readonly bytes: number }[];
  /** The browser's storage estimate, when it gives one. */
  readonly usage?: number;
  readonly quota?: number;
}

/**
 * The cached models for a model manager, titled by their preset (" (incomplete)"
 * when part of it is missing), with the browser's storage estimate.
 */
export async function modelCacheReport(cache: ModelCache = defaultModelCache()): Promise<ModelCacheReport> {
  const infos = await listCachedModels(cache);
  const models = infos.map((m) => ({ id: m.id, title: `${findPreset(m.id)?.title ?? m.id}${m.complete ? '' : ' (incomplete)'}`, bytes: m.bytes }));
  const storage = (globalThis as { navigator?: { storage?: { estimate?(): Promise<{ usage?: number; quota?: number }> } } }).navigator?.storage;
  const estimate = await storage?.estimate?.().catch(() => undefined);
  return {
    models,
    ...(estimate?.usage !== undefined && { usage: estimate.usage }),
    ...(estimate?.quota !== undefined && { quota: estimate.quota }),
  };
}
