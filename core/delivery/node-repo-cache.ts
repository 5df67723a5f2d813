/**
 * A {@link ModelCache} that keeps every model as a plain repo folder, so the
 * cached copy is also what other tools (diffusers, Optimum, onnxruntime) and
 * `--model DIR` read. **Node only** (`node:fs`); the CLI's cache.
 *
 * Layout: `<root>/<model>/record.json` (as {@link NodeFsCache}) and
 * `<root>/<model>/files/<repo path>`, each file in the repo's own layout.
 * Chunk `i` of a file is its bytes `[i * chunkSize, (i + 1) * chunkSize)`,
 * so this cache works only with the downloader's chunk size it was made for.
 *
 * The downloader writes a file's chunks in order, and a write of chunk `i`
 * means everything after it is stale, so `putChunk` truncates the file to the
 * chunk's end: a restarted or resumed download never leaves old bytes behind.
 * The record still never claims more than is written (see `cache.ts`), and
 * a crash in the middle of a write leaves bytes past what the record claims,
 * which the next download prunes like any orphan chunk.
 */
import { mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { checkRepoPath, type SourceUrl } from '../models/source';
import { DEFAULT_CHUNK_SIZE, type ChunkRef, type ModelRecord } from './cache';
import { CachedSource, type CachedSourceOptions } from './cached-source';
import { NodeFsCache } from './node-fs-cache';

const FILES = 'files';

/** Stores each model file whole, in a repo-shaped folder, under `root`. */
export class NodeRepoCache extends NodeFsCache {
  /** Bytes per chunk: must equal the downloader's `chunkSize` (its default, 32 MiB, unless both are set). */
  readonly chunkSize: number;

  constructor(root: string, chunkSize = DEFAULT_CHUNK_SIZE) {
    super(root);
    this.chunkSize = chunkSize;
  }

  /** The repo folder of `model`: the files in the repo's own layout (complete once the record says so). */
  repoDir(model: string): string {
    return join(this.modelDir(model), FILES);
  }

  override async putChunk(model: string, path: string, index: number, bytes: Uint8Array): Promise<void> {
    if (bytes.length > this.chunkSize) {
      throw new RangeError(`${path}: a chunk of ${bytes.length} bytes does not fit this cache's chunk size (${this.chunkSize}).`);
    }
    const file = this.#file(model, path);
    await mkdir(dirname(file), { recursive: true });
    // 'r+' for positioned writes into an existing file; 'w+' creates it.
    const handle = await open(file, 'r+').catch(() => open(file, 'w+'));
    try {
      const start = index * this.chunkSize;
      await handle.truncate(Math.min((await handle.stat()).size, start));
      if ((await handle.stat()).size < start) throw new RangeError(`${path}: chunk ${index} written before the chunks ahead of it.`);
      let done = 0;
      while (done < bytes.length) done += (await handle.write(bytes, done, bytes.length - done, start + done)).bytesWritten;
    } finally {
      await handle.close();
    }
  }

  override async getChunk(model: string, path: string, index: number): Promise<Uint8Array | undefined> {
    const range = await this.#range(model, path, index);
    if (range === undefined) return undefined;
    const out = new Uint8Array(range.length);
    await this.#read(model, path, range.start, out);
    return out;
  }

  override async readChunkInto(model: string, path: string, index: number, target: Uint8Array): Promise<number | undefined> {
    const range = await this.#range(model, path, index);
    if (range === undefined) return undefined;
    // A stored last chunk may be shorter than a full one: report its length, read nothing.
    if (range.length !== target.length) return range.length;
    return this.#read(model, path, range.start, target);
  }

  override async listChunks(model: string): Promise<ChunkRef[]> {
    const refs: ChunkRef[] = [];
    const root = this.repoDir(model);
    for (const file of await filesUnder(root)) {
      const { size } = await stat(file);
      const path = relative(root, file).split(sep).join('/');
      for (let index = 0; index * this.chunkSize < size; index++) refs.push({ model, path, index });
    }
    return refs;
  }

  /** Cuts each file at its first deleted chunk (chunks are only ever deleted from some index to the end). */
  override async deleteChunks(chunks: readonly ChunkRef[]): Promise<void> {
    const cut = new Map<string, { model: string; path: string; index: number }>();
    for (const c of chunks) {
      const key = `${c.model}\n${c.path}`;
      const seen = cut.get(key);
      if (!seen || c.index < seen.index) cut.set(key, c);
    }
    for (const { model, path, index } of cut.values()) {
      const file = this.#file(model, path);
      if (index === 0) {
        await rm(file, { force: true });
        continue;
      }
      const handle = await open(file, 'r+').catch((error: unknown) => {
        if ((error as { code?: string }).code === 'ENOENT') return undefined;
        throw error;
      });
      if (!handle) continue;
      try {
        if ((await handle.stat()).size > index * this.chunkSize) await handle.truncate(index * this.chunkSize);
      } finally {
        await handle.close();
      }
    }
  }

  /** Absolute path of a stored repo file. */
  filePath(model: string, path: string): string {
    return join(this.repoDir(model), ...checkRepoPath(path).split('/'));
  }

  #file(model: string, path: string): string {
    return this.filePath(model, path);
  }

  /** Where chunk `index` lies in the stored file, or `undefined` when the file does not reach it. */
  async #range(model: string, path: string, index: number): Promise<{ start: number; length: number } | undefined> {
    let size: number;
    try {
      size = (await stat(this.#file(model, path))).size;
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT' || (error as { code?: string }).code === 'ENOTDIR') return undefined;
      throw error;
    }
    const start = index * this.chunkSize;
    if (start >= size) return undefined;
    return { start, length: Math.min(this.chunkSize, size - start) };
  }

  async #read(model: string, path: string, position: number, target: Uint8Array): Promise<number> {
    const handle = await open(this.#file(model, path), 'r');
    try {
      let done = 0;
      while (done < target.length) {
        const { bytesRead } = await handle.read(target, done, target.length - done, position + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done;
    } finally {
      await handle.close();
    }
  }
}

/** Every file under `dir`, recursively; none when it does not exist. */
async function filesUnder(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return [];
    throw error;
  }
  const out: string[] = [];
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(full)));
    else if (e.isFile()) out.push(full);
  }
  return out;
}

/**
 * A model in a {@link NodeRepoCache}, read with {@link CachedSource}'s checks,
 * except that large files go to ONNX Runtime as their path on disk: in Node
 * both onnxruntime-web and onnxruntime-node read string external data as a
 * file path (a `blob:` URL would not do), and a multi-GB file is never
 * copied into JS memory.
 */
export class RepoCachedSource extends CachedSource {
  readonly #cache: NodeRepoCache;

  constructor(cache: NodeRepoCache, record: ModelRecord, options: CachedSourceOptions = {}) {
    super(cache, record, options);
    this.#cache = cache;
  }

  /** The stored file's path and size (complete files only). */
  override async fileUrl(path: string): Promise<SourceUrl | undefined> {
    const size = this.size(path);
    return size === undefined ? undefined : { url: this.#cache.filePath(this.record.id, path), size };
  }
}
