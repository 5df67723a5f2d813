/**
 * A {@link ModelCache} in IndexedDB, through idb-keyval's custom stores.
 *
 * One object store holds both kinds of entries, under array keys so no
 * escaping of model ids or paths is needed and key ranges select exactly one
 * model:
 *
 * - `['record', modelId]` -> {@link ModelRecord}
 * - `['chunk', modelId, path, index]` -> `Uint8Array` of at most one chunk
 *
 * Browser-safe (and runs in Node on `fake-indexeddb`).
 */
import { createStore, get, promisifyRequest, set, type UseStore } from 'idb-keyval';
import { tightCopy } from './bytes';
import type { ChunkRef, ModelCache, ModelRecord } from './cache';

/** Where the cache lives. Defaults: database `stipple-models`, store `files`. */
export interface IndexedDbCacheOptions {
  readonly dbName?: string;
  readonly storeName?: string;
}

type ChunkKey = ['chunk', string, string, number];

/** Stores model files in IndexedDB, chunk by chunk. */
export class IndexedDbCache implements ModelCache {
  readonly description: string;
  readonly #store: UseStore;

  constructor(options: IndexedDbCacheOptions = {}) {
    const dbName = options.dbName ?? 'stipple-models';
    const storeName = options.storeName ?? 'files';
    this.description = `IndexedDB ${dbName}/${storeName}`;
    this.#store = createStore(dbName, storeName);
  }

  getRecord(model: string): Promise<ModelRecord | undefined> {
    return get<ModelRecord>(['record', model], this.#store);
  }

  putRecord(record: ModelRecord): Promise<void> {
    return set(['record', record.id], record, this.#store);
  }

  listRecords(): Promise<ModelRecord[]> {
    return this.#store('readonly', (s) => promisifyRequest(s.getAll(prefixRange(['record'])) as IDBRequest<ModelRecord[]>));
  }

  putChunk(model: string, path: string, index: number, bytes: Uint8Array): Promise<void> {
    // IndexedDB clones the whole buffer behind a view: store exactly the chunk.
    return set(['chunk', model, path, index], tightCopy(bytes), this.#store);
  }

  async getChunk(model: string, path: string, index: number): Promise<Uint8Array | undefined> {
    const value = await get<unknown>(['chunk', model, path, index], this.#store);
    return value instanceof Uint8Array ? value : undefined;
  }

  async listChunks(model: string): Promise<ChunkRef[]> {
    const keys = await this.#store('readonly', (s) => promisifyRequest(s.getAllKeys(prefixRange(['chunk', model]))));
    return (keys as ChunkKey[]).map(([, m, path, index]) => ({ model: m, path, index }));
  }

  deleteChunks(chunks: readonly ChunkRef[]): Promise<void> {
    if (chunks.length === 0) return Promise.resolve();
    return this.#store('readwrite', (s) => {
      for (const c of chunks) s.delete(['chunk', c.model, c.path, c.index]);
      return promisifyRequest(s.transaction);
    });
  }

  async deleteModel(model: string): Promise<void> {
    // Record first, chunks after (the record must never claim missing chunks);
    // one transaction anyway, so both go or neither.
    await this.#store('readwrite', (s) => {
      s.delete(['record', model]);
      s.delete(prefixRange(['chunk', model]));
      return promisifyRequest(s.transaction);
    });
  }

  async clear(): Promise<void> {
    await this.#store('readwrite', (s) => {
      s.clear();
      return promisifyRequest(s.transaction);
    });
  }
}

/**
 * All keys that start with `prefix`. In IndexedDB's key order an array sorts
 * after every string and number, so `[...prefix, []]` is above any key that
 * extends `prefix` with strings and numbers.
 */
function prefixRange(prefix: IDBValidKey[]): IDBKeyRange {
  return IDBKeyRange.bound(prefix, [...prefix, []]);
}
