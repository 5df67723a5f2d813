/**
 * The pluggable model cache: what a store must offer ({@link ModelCache}) and
 * the per-model record it keeps ({@link ModelRecord}).
 *
 * Files are stored in chunks of a few tens of MB, so no stored value comes
 * near the ~2 GB limit of one ArrayBuffer, a download can be resumed chunk by
 * chunk, and a file can be handed on as a Blob built from its chunks.
 *
 * The consistency rule every writer follows: **the record never claims more
 * than is stored**. Chunks are written before the record mentions them, and
 * the record forgets a file before its chunks are deleted. A crash in
 * between leaves only orphan chunks (pruned on the next download), never a
 * "complete" file with missing bytes, which is what turns into ONNX
 * Runtime's "protobuf parsing failed" forever.
 *
 * Browser-safe.
 */
import type { ModelManifest } from './manifest';

/** Default chunk size: 32 MiB. Large enough that a 4 GB file is ~130 values, small enough to stay far from any per-value limit. */
export const DEFAULT_CHUNK_SIZE = 32 * 1024 * 1024;

/** What the cache holds of one file. */
export interface CachedFile {
  /**
   * `complete`: every chunk written and checked against the manifest.
   * `partial`: the first `chunks` chunks are written (a download to resume).
   * `absent`: an optional file the repo does not have (404).
   */
  readonly state: 'complete' | 'partial' | 'absent';
  /** File size: exact when complete; the expected size (if known) when partial. */
  readonly size: number | undefined;
  /** Bytes per chunk (the last chunk may be shorter). */
  readonly chunkSize: number;
  /** Chunks written, `0..chunks-1`. */
  readonly chunks: number;
  /** sha256 of the complete file, when it was computed. */
  readonly sha256?: string;
  /** Manifest revision the bytes were downloaded at. */
  readonly revision: string;
}

/** The cache's record of one model. */
export interface ModelRecord {
  readonly version: 1;
  readonly id: string;
  /** The manifest the files were downloaded for. */
  readonly manifest: ModelManifest;
  /** By repo path. Files not listed have nothing usable stored. */
  readonly files: { readonly [path: string]: CachedFile };
  /** `Date.now()` of the last change. */
  readonly updatedAt: number;
}

/** Names one stored chunk. */
export interface ChunkRef {
  readonly model: string;
  readonly path: string;
  readonly index: number;
}

/** Storage left, as `navigator.storage.estimate()` reports it. */
export interface StorageEstimateLike {
  readonly quota?: number;
  readonly usage?: number;
}

/**
 * A store for model files, in chunks, plus one record per model. Implement
 * this to keep models somewhere else (OPFS, the Cache API, a server).
 * Shipped: `IndexedDbCache` (browsers), `NodeFsCache` (a folder, Node only),
 * `MemoryCache` (tests, or a session-only cache).
 *
 * Contract: `putChunk` must not keep a reference to `bytes` after its
 * promise resolves (the downloader reuses the buffer); copy if needed.
 * Writes that fail for lack of space reject with an error named
 * `QuotaExceededError` (or Node's `ENOSPC`).
 */
export interface ModelCache {
  /** Where the cache lives, for messages (e.g. `IndexedDB stipple-models/files`). */
  readonly description: string;
  getRecord(model: string): Promise<ModelRecord | undefined>;
  putRecord(record: ModelRecord): Promise<void>;
  listRecords(): Promise<ModelRecord[]>;
  putChunk(model: string, path: string, index: number, bytes: Uint8Array): Promise<void>;
  /** The chunk's bytes, or `undefined` when it is not stored. */
  getChunk(model: string, path: string, index: number): Promise<Uint8Array | undefined>;
  /**
   * Optional fast path for reading a whole file: reads the chunk straight
   * into `target` (exactly the length the chunk should have), saving a copy.
   * Returns the stored chunk's length (when it differs from
   * `target.length`, nothing is read), or `undefined` when it is not stored.
   */
  readChunkInto?(model: string, path: string, index: number, target: Uint8Array): Promise<number | undefined>;
  /** Every stored chunk of `model` (without reading the bytes). */
  listChunks(model: string): Promise<ChunkRef[]>;
  deleteChunks(chunks: readonly ChunkRef[]): Promise<void>;
  /** Deletes the record and every chunk of `model`. */
  deleteModel(model: string): Promise<void>;
  /** Deletes every model. */
  clear(): Promise<void>;
  /**
   * Storage left for this cache, when the cache knows better than
   * `navigator.storage` (e.g. free disk space for a folder).
   */
  estimate?(): Promise<StorageEstimateLike>;
}

/** Number of chunks of a file of `size` bytes. */
export function chunkCount(size: number, chunkSize: number): number {
  return Math.ceil(size / chunkSize);
}

/**
 * True when `record` holds every file its manifest needs: each file
 * complete, or `absent` where the manifest allows it.
 */
export function recordIsComplete(record: ModelRecord): boolean {
  return record.manifest.files.every((f) => {
    const entry = record.files[f.path];
    return entry?.state === 'complete' || (entry?.state === 'absent' && f.optional === true);
  });
}

/**
 * True when `value` has the shape of a {@link ModelRecord}: what a store read
 * back must pass before it is trusted (a damaged record file, an old format).
 */
export function isModelRecord(value: unknown): value is ModelRecord {
  const r = value as Partial<ModelRecord> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    r.version === 1 &&
    typeof r.id === 'string' &&
    typeof r.files === 'object' &&
    r.files !== null &&
    Array.isArray(r.manifest?.files)
  );
}

/** An empty record for `manifest`. */
export function newRecord(manifest: ModelManifest): ModelRecord {
  return { version: 1, id: manifest.id, manifest, files: {}, updatedAt: Date.now() };
}

/** True for the errors storage APIs raise when the quota or the disk is full. */
export function isQuotaExceeded(error: unknown): boolean {
  const e = error as { name?: unknown; code?: unknown } | null;
  return e?.name === 'QuotaExceededError' || e?.code === 'ENOSPC' || e?.code === 22;
}
