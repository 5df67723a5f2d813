/**
 * A {@link ModelCache} in memory: for tests, and for apps that want a
 * session-only cache. Browser-safe.
 */
import type { ChunkRef, ModelCache, ModelRecord } from './cache';

const chunkKey = (model: string, path: string, index: number): string => JSON.stringify([model, path, index]);

/** Keeps records and chunks in Maps. Stored chunks are copies. */
export class MemoryCache implements ModelCache {
  readonly description = 'memory';
  readonly #records = new Map<string, ModelRecord>();
  readonly #chunks = new Map<string, Uint8Array>();

  async getRecord(model: string): Promise<ModelRecord | undefined> {
    const record = this.#records.get(model);
    // Hand out a copy, like a real store would: callers must write back to change it.
    return record === undefined ? undefined : structuredClone(record);
  }

  async putRecord(record: ModelRecord): Promise<void> {
    this.#records.set(record.id, structuredClone(record));
  }

  async listRecords(): Promise<ModelRecord[]> {
    return [...this.#records.values()].map((r) => structuredClone(r));
  }

  async putChunk(model: string, path: string, index: number, bytes: Uint8Array): Promise<void> {
    this.#chunks.set(chunkKey(model, path, index), bytes.slice());
  }

  async getChunk(model: string, path: string, index: number): Promise<Uint8Array | undefined> {
    return this.#chunks.get(chunkKey(model, path, index))?.slice();
  }

  async readChunkInto(model: string, path: string, index: number, target: Uint8Array): Promise<number | undefined> {
    const stored = this.#chunks.get(chunkKey(model, path, index));
    if (stored === undefined || stored.length !== target.length) return stored?.length;
    target.set(stored);
    return stored.length;
  }

  async listChunks(model: string): Promise<ChunkRef[]> {
    const refs: ChunkRef[] = [];
    for (const key of this.#chunks.keys()) {
      const [m, path, index] = JSON.parse(key) as [string, string, number];
      if (m === model) refs.push({ model: m, path, index });
    }
    return refs;
  }

  async deleteChunks(chunks: readonly ChunkRef[]): Promise<void> {
    for (const c of chunks) this.#chunks.delete(chunkKey(c.model, c.path, c.index));
  }

  async deleteModel(model: string): Promise<void> {
    this.#records.delete(model);
    await this.deleteChunks(await this.listChunks(model));
  }

  async clear(): Promise<void> {
    this.#records.clear();
    this.#chunks.clear();
  }
}
