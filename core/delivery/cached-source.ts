/**
 * Reading a model out of the cache: a {@link RepoSource} over the chunks, so
 * `loadModelRepo` works offline exactly as it does over HTTP.
 *
 * Every read checks what it reads: each chunk must be there with its exact
 * length, and an `.onnx` file must be a complete protobuf. A failed check
 * marks the file incomplete in the record and throws a {@link CacheError}, so
 * the next load downloads that file again instead of failing with "protobuf
 * parsing failed" forever.
 *
 * Browser-safe.
 */
import { ModelFormatError } from '../errors';
import { inspectOnnxModel } from '../models/onnx-graph';
import type { RepoSource, SourceUrl } from '../models/source';
import { allocateBytes } from './bytes';
import { isModelRecord, recordIsComplete, type CachedFile, type ModelCache, type ModelRecord } from './cache';
import { checkContent, contentCheckFor } from './content-check';
import { CacheError } from './errors';
import { Sha256 } from './sha256';

/** Options of {@link CachedSource}. */
export interface CachedSourceOptions {
  /**
   * `size` (default): every chunk's presence and length, and the ONNX framing
   * of `.onnx` files. `sha256`: also the sha256 of every file read against
   * the one recorded at download (about 150 MB/s of CPU in a browser).
   * `loadModel` with `readVerify: 'sha256'` records a hash for every file it
   * downloads; a file stored earlier without one is checked by size and
   * content only.
   */
  readonly verify?: 'size' | 'sha256';
}

/** What {@link checkCachedModel} found. */
export interface CacheCheck {
  readonly record: ModelRecord | undefined;
  /** True when every file the manifest needs is stored in full. */
  readonly complete: boolean;
  /** Manifest paths not (fully) stored. */
  readonly missing: readonly string[];
}

/**
 * Checks, without reading any bytes, that the cache holds every file of
 * model `id`: the record says complete and every chunk is still stored
 * (browsers may evict storage).
 */
export async function checkCachedModel(cache: ModelCache, id: string): Promise<CacheCheck> {
  const stored = await cache.getRecord(id);
  // A record of the wrong shape (damaged, or another version) vouches for nothing.
  const record = isModelRecord(stored) ? stored : undefined;
  if (record === undefined) return { record, complete: false, missing: [] };
  const chunksOf = new Map<string, Set<number>>();
  for (const c of await cache.listChunks(id)) {
    let set = chunksOf.get(c.path);
    if (!set) chunksOf.set(c.path, (set = new Set()));
    set.add(c.index);
  }
  const missing: string[] = [];
  for (const f of record.manifest.files) {
    const entry = record.files[f.path];
    if (entry?.state === 'absent' && f.optional) continue;
    const chunks = chunksOf.get(f.path);
    let ok = entry?.state === 'complete';
    for (let i = 0; ok && i < entry!.chunks; i++) ok = chunks?.has(i) === true;
    if (!ok) missing.push(f.path);
  }
  return { record, complete: missing.length === 0 && recordIsComplete(record), missing };
}

/** A cached model, read as a repo. */
export class CachedSource implements RepoSource {
  readonly description: string;
  readonly #cache: ModelCache;
  #record: ModelRecord;
  readonly #verify: 'size' | 'sha256';

  /**
   * Opens model `id` after checking that every file is stored.
   *
   * @throws {CacheError} naming the missing files when the model is not
   *   (fully) cached.
   */
  static async open(cache: ModelCache, id: string, options: CachedSourceOptions = {}): Promise<CachedSource> {
    const check = await checkCachedModel(cache, id);
    if (!check.record) throw new CacheError(id, [], `not in ${cache.description}`);
    if (!check.complete) throw new CacheError(id, check.missing, `not fully stored in ${cache.description}`);
    return new CachedSource(cache, check.record, options);
  }

  /** Use {@link CachedSource.open}, which checks the record first. */
  constructor(cache: ModelCache, record: ModelRecord, options: CachedSourceOptions = {}) {
    this.#cache = cache;
    this.#record = record;
    this.#verify = options.verify ?? 'size';
    this.description = `${record.id} (cached in ${cache.description})`;
  }

  /** The record this source reads (as of opening, or of the last damage found). */
  get record(): ModelRecord {
    return this.#record;
  }

  async exists(path: string): Promise<boolean> {
    return this.#record.files[path]?.state === 'complete';
  }

  /** Size of a stored file, or `undefined` when it is not stored. */
  size(path: string): number | undefined {
    const entry = this.#record.files[path];
    return entry?.state === 'complete' ? entry.size : undefined;
  }

  async readText(path: string): Promise<string> {
    return new TextDecoder('utf-8').decode(await this.readBytes(path));
  }

  /**
   * The file in one buffer. Files above the engine's `ArrayBuffer` limit
   * (~2 GB in Chrome) go into a `WebAssembly.Memory` (up to 4 GB), as ONNX
   * Runtime Web does; for anything larger use {@link blob}.
   */
  async readBytes(path: string): Promise<Uint8Array> {
    const entry = this.#entry(path);
    let out: Uint8Array;
    try {
      out = allocateBytes(entry.size!);
    } catch (cause) {
      throw new ModelFormatError(path, 'a file that fits in memory', `${entry.size} bytes do not fit in one buffer here; read it with blob() or chunks()`, { cause });
    }
    const hasher = this.#verify === 'sha256' && entry.sha256 !== undefined ? new Sha256() : undefined;
    if (this.#cache.readChunkInto) {
      // Straight into the output buffer: one copy fewer (e.g. a read() from disk into place).
      for (let i = 0, offset = 0; i < entry.chunks; i++) {
        const want = chunkLength(entry, i);
        const target = out.subarray(offset, offset + want);
        const got = await this.#cache.readChunkInto(this.#record.id, path, i, target);
        if (got === undefined) await this.#damaged(path, i, `chunk ${i} of ${entry.chunks} is gone (evicted by the browser?)`);
        if (got !== want) await this.#damaged(path, i, `chunk ${i} has ${got} bytes instead of ${want}`);
        hasher?.update(target);
        offset += want;
      }
    } else {
      let offset = 0;
      for await (const chunk of this.#readChunks(path, entry)) {
        out.set(chunk, offset);
        offset += chunk.length;
        hasher?.update(chunk);
      }
    }
    if (hasher && hasher.hex() !== entry.sha256) await this.#damaged(path, 0, 'its sha256 does not match the one recorded when it was downloaded');
    let problem: string | null = null;
    if (path.endsWith('.onnx')) {
      try {
        inspectOnnxModel(out, path);
      } catch (error) {
        problem = `it is not a complete ONNX model (${(error as Error).message})`;
      }
    } else {
      const wrong = checkContent(path, out);
      if (wrong) problem = `it is ${wrong}`;
    }
    if (problem) await this.#damagedWithOthers(path, problem);
    return out;
  }

  /**
   * The file's chunks in order, each checked; for streaming consumers that
   * never need the whole file in one buffer.
   */
  async *chunks(path: string): AsyncGenerator<Uint8Array> {
    yield* this.#readChunks(path, this.#entry(path));
  }

  /**
   * The file as a `Blob` assembled from its chunks: no single buffer of the
   * file's size is ever made (browsers may keep large Blobs on disk). Hand
   * big external-data files to ONNX Runtime this way, through
   * {@link objectUrl}.
   */
  async blob(path: string, type = 'application/octet-stream'): Promise<Blob> {
    const parts: Blob[] = [];
    for await (const chunk of this.chunks(path)) parts.push(new Blob([chunk as Uint8Array<ArrayBuffer>]));
    return new Blob(parts, { type });
  }

  /**
   * A `blob:` URL of the file, which ONNX Runtime Web accepts as
   * `externalData: [{ path, data: url }]` and fetches itself. Call
   * `URL.revokeObjectURL(url)` once the session is created.
   */
  async objectUrl(path: string): Promise<string> {
    return URL.createObjectURL(await this.blob(path));
  }

  /** A `blob:` URL of a stored file with its size, revoked by `release` (see {@link RepoSource.fileUrl}). */
  async fileUrl(path: string): Promise<SourceUrl | undefined> {
    const size = this.size(path);
    if (size === undefined) return undefined;
    const url = await this.objectUrl(path);
    return { url, size, release: () => URL.revokeObjectURL(url) };
  }

  #entry(path: string): CachedFile & { size: number } {
    const entry = this.#record.files[path];
    if (entry?.state === 'complete' && entry.size !== undefined) return entry as CachedFile & { size: number };
    const listed = this.#record.manifest.files.some((f) => f.path === path);
    if (listed && entry?.state !== 'absent') throw new CacheError(this.#record.id, [path], 'not fully stored');
    throw new ModelFormatError(path, 'a file of the model repo', `not in the model ${this.#record.id}`);
  }

  async *#readChunks(path: string, entry: CachedFile & { size: number }): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < entry.chunks; i++) {
      const want = chunkLength(entry, i);
      const chunk = await this.#cache.getChunk(this.#record.id, path, i);
      if (chunk === undefined) await this.#damaged(path, i, `chunk ${i} of ${entry.chunks} is gone (evicted by the browser?)`);
      if (chunk!.length !== want) await this.#damaged(path, i, `chunk ${i} has ${chunk!.length} bytes instead of ${want}`);
      yield chunk!;
    }
  }

  /**
   * `path` holds the wrong content. Before reporting it, checks every other
   * file with a content check (all `.onnx` framing, the JSON files), so that
   * when a server sent error pages for several files one load finds them
   * all, and one download repairs them all.
   */
  async #damagedWithOthers(path: string, detail: string): Promise<never> {
    const others: string[] = [];
    for (const [other, entry] of Object.entries(this.#record.files)) {
      if (other === path || entry.state !== 'complete' || entry.size === undefined) continue;
      const check = contentCheckFor(other);
      if (!check) continue;
      try {
        for await (const chunk of this.#readChunks(other, entry as CachedFile & { size: number })) check.update(chunk);
      } catch {
        continue; // #readChunks already marked it and reported the missing chunk; keep scanning
      }
      if (check.finish()) others.push(other);
    }
    await this.#forget([path, ...others]);
    const also = others.length > 0 ? ` (so are ${others.join(', ')})` : '';
    throw new CacheError(this.#record.id, [path, ...others], `damaged in ${this.#cache.description}: ${detail}${also}`);
  }

  /** Removes files from the record in one write, so the next download fetches them all again. */
  async #forget(paths: readonly string[]): Promise<void> {
    const fresh = (await this.#cache.getRecord(this.#record.id).catch(() => undefined)) ?? this.#record;
    const files = { ...fresh.files };
    for (const p of paths) delete files[p];
    this.#record = { ...fresh, files, updatedAt: Date.now() };
    await this.#cache.putRecord(this.#record).catch(() => undefined);
  }

  /**
   * Marks `path` incomplete in the record, keeping the `goodChunks` before the
   * damage so a download can resume there, and throws.
   */
  async #damaged(path: string, goodChunks: number, detail: string): Promise<never> {
    const id = this.#record.id;
    const fresh = (await this.#cache.getRecord(id).catch(() => undefined)) ?? this.#record;
    const entry = fresh.files[path];
    const files = { ...fresh.files };
    if (entry && goodChunks > 0) {
      const { sha256: _unused, ...rest } = entry;
      files[path] = { ...rest, state: 'partial', chunks: goodChunks };
    } else {
      delete files[path];
    }
    this.#record = { ...fresh, files, updatedAt: Date.now() };
    await this.#cache.putRecord(this.#record).catch(() => undefined);
    throw new CacheError(id, [path], `damaged in ${this.#cache.description}: ${detail}`);
  }
}

/** Length chunk `index` must have: full chunks, then the rest of the file. */
function chunkLength(entry: CachedFile & { size: number }, index: number): number {
  return index < entry.chunks - 1 ? entry.chunkSize : entry.size - entry.chunkSize * (entry.chunks - 1);
}
