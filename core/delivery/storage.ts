/**
 * The browser's storage budget: how much room is left
 * (`navigator.storage.estimate()`) and asking that the cache not be evicted
 * (`navigator.storage.persist()`). Injectable, so tests and Node can stand in.
 *
 * Browser-safe.
 */
import type { ModelCache, StorageEstimateLike } from './cache';
import { QuotaError } from './errors';

/** The parts of `navigator.storage` model delivery uses. */
export interface StorageLike {
  estimate?(): Promise<StorageEstimateLike>;
  persist?(): Promise<boolean>;
  persisted?(): Promise<boolean>;
}

/** `navigator.storage` when this environment has one. */
export function defaultStorage(): StorageLike | undefined {
  return (globalThis as { navigator?: { storage?: StorageLike } }).navigator?.storage;
}

/**
 * Bytes still available, from the cache's own estimate (e.g. free disk for a
 * folder cache) or else the storage manager's; `undefined` when neither knows.
 */
export async function availableBytes(cache: ModelCache, storage: StorageLike | undefined): Promise<number | undefined> {
  const estimate = cache.estimate ? await cache.estimate() : await storage?.estimate?.();
  if (estimate?.quota === undefined) return undefined;
  return Math.max(0, estimate.quota - (estimate.usage ?? 0));
}

/**
 * Throws {@link QuotaError} before any byte is written when `needed` bytes
 * will not fit.
 */
export async function checkQuota(
  model: string,
  needed: number,
  cache: ModelCache,
  storage: StorageLike | undefined,
): Promise<void> {
  if (needed <= 0) return;
  const available = await availableBytes(cache, storage);
  if (available !== undefined && needed > available) throw new QuotaError(model, needed, available);
}

const asked = new WeakMap<StorageLike, Promise<boolean | undefined>>();

/**
 * Asks once per storage manager that the site's storage be persistent, so the
 * browser does not evict a multi-GB model under storage pressure. Returns the
 * answer (`true` granted), or `undefined` where the API is missing. Never
 * throws: a refusal only means eviction stays possible, which the cache
 * detects and repairs.
 */
export function requestPersistence(storage: StorageLike | undefined): Promise<boolean | undefined> {
  if (storage?.persist === undefined) return Promise.resolve(undefined);
  let answer = asked.get(storage);
  if (answer === undefined) {
    answer = (async () => {
      try {
        if (storage.persisted && (await storage.persisted())) return true;
        return await storage.persist!();
      } catch {
        return false;
      }
    })();
    asked.set(storage, answer);
  }
  return answer;
}
