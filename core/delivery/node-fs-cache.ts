/**
 * A {@link ModelCache} in a folder on disk. **Node only** (`node:fs`): not
 * re-exported from `core/delivery/index.ts`; import this file directly.
 *
 * Layout: `<root>/<model>/record.json` and `<root>/<model>/chunks/<path>#<index>`,
 * with the model id and the path percent-encoded into single file names.
 * Every write goes to a temporary file that is renamed into place, so a
 * crash never leaves a half-written chunk or record under its real name.
 */
import { mkdir, open, readdir, readFile, rename, rm, statfs, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isModelRecord, type ChunkRef, type ModelCache, type ModelRecord, type StorageEstimateLike } from './cache';

const RECORD = 'record.json';
const CHUNKS = 'chunks';

/** Stores model files as chunk files under `root`. */
export class NodeFsCache implements ModelCache {
  readonly description: string;
  /** Absolute path of the cache folder. */
  readonly root: string;
  #tmpCounter = 0;

  constructor(root: string) {
    this.root = resolve(root);
    this.description = `folder ${this.root}`;
  }

  /**
   * The record, or `undefined` when there is none. A damaged `record.json`
   * (cut short, overwritten, not a record) is moved aside to
   * `record.json.damaged` and treated as absent: the next download rebuilds
   * the record and fetches the model again, instead of every load failing.
   */
  async getRecord(model: string): Promise<ModelRecord | undefined> {
    const path = join(this.modelDir(model), RECORD);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch {
      record = undefined;
    }
    if (isModelRecord(record)) return record;
    await rename(path, `${path}.damaged`).catch(() => undefined);
    return undefined;
  }

  async putRecord(record: ModelRecord): Promise<void> {
    const dir = this.modelDir(record.id);
    await mkdir(dir, { recursive: true });
    await this.#atomicWrite(join(dir, RECORD), JSON.stringify(record));
  }

  async listRecords(): Promise<ModelRecord[]> {
    const records: ModelRecord[] = [];
    for (const name of await readdirOrEmpty(this.root)) {
      const record = await this.getRecord(decode(name));
      if (record) records.push(record);
    }
    return records;
  }

  async putChunk(model: string, path: string, index: number, bytes: Uint8Array): Promise<void> {
    const dir = join(this.modelDir(model), CHUNKS);
    await mkdir(dir, { recursive: true });
    await this.#atomicWrite(join(dir, chunkName(path, index)), bytes);
  }

  async getChunk(model: string, path: string, index: number): Promise<Uint8Array | undefined> {
    try {
      const buf = await readFile(join(this.modelDir(model), CHUNKS, chunkName(path, index)));
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async readChunkInto(model: string, path: string, index: number, target: Uint8Array): Promise<number | undefined> {
    let handle;
    try {
      handle = await open(join(this.modelDir(model), CHUNKS, chunkName(path, index)), 'r');
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    try {
      const { size } = await handle.stat();
      if (size !== target.length) return size;
      let done = 0;
      while (done < size) {
        const { bytesRead } = await handle.read(target, done, size - done, done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done;
    } finally {
      await handle.close();
    }
  }

  async listChunks(model: string): Promise<ChunkRef[]> {
    const refs: ChunkRef[] = [];
    for (const name of await readdirOrEmpty(join(this.modelDir(model), CHUNKS))) {
      const hash = name.lastIndexOf('#');
      if (hash < 0 || name.startsWith('.tmp-')) continue;
      refs.push({ model, path: decode(name.slice(0, hash)), index: Number(name.slice(hash + 1)) });
    }
    return refs;
  }

  async deleteChunks(chunks: readonly ChunkRef[]): Promise<void> {
    await Promise.all(chunks.map((c) => rm(join(this.modelDir(c.model), CHUNKS, chunkName(c.path, c.index)), { force: true })));
  }

  async deleteModel(model: string): Promise<void> {
    const dir = this.modelDir(model);
    await rm(join(dir, RECORD), { force: true });
    await rm(dir, { recursive: true, force: true });
  }

  async clear(): Promise<void> {
    for (const name of await readdirOrEmpty(this.root)) await this.deleteModel(decode(name));
  }

  /** Free disk space under the cache folder (what a download can still use). */
  async estimate(): Promise<StorageEstimateLike> {
    await mkdir(this.root, { recursive: true });
    const s = await statfs(this.root);
    return { quota: s.bavail * s.bsize, usage: 0 };
  }

  /** The folder that holds `model`'s record and chunks (whether or not it exists yet). */
  modelDir(model: string): string {
    return join(this.root, encode(model));
  }

  async #atomicWrite(file: string, data: string | Uint8Array): Promise<void> {
    const tmp = join(file, '..', `.tmp-${process.pid}-${this.#tmpCounter++}`);
    try {
      await writeFile(tmp, data);
      await rename(tmp, file);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }
}

/**
 * One file name for any string: percent-encoding, plus `*` (not allowed on
 * Windows) and a leading `.` (so no id can be `.`, `..` or hidden).
 */
const encode = (s: string): string => encodeURIComponent(s).replace(/\*/g, '%2A').replace(/^\./, '%2E');
const decode = (s: string): string => decodeURIComponent(s);
const chunkName = (path: string, index: number): string => `${encode(path)}#${index}`;

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

function isNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
