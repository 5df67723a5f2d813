/**
 * Serialised updates of one model's record. Several files download at once
 * and each changes its own entry; a read-modify-write per file would lose
 * the others' changes, so updates queue here and each one writes the whole
 * record.
 *
 * Browser-safe.
 */
import type { CachedFile, ModelCache, ModelRecord } from './cache';

/** Mutable view of a record's files, for one update. */
export type FileTable = Record<string, CachedFile>;

/** Holds the current record of one model and writes every change through to the cache, in order. */
export class RecordBook {
  readonly #cache: ModelCache;
  #record: ModelRecord;
  #queue: Promise<void> = Promise.resolve();

  constructor(cache: ModelCache, record: ModelRecord) {
    this.#cache = cache;
    this.#record = record;
  }

  /** The record as last updated (possibly not yet written). */
  get record(): ModelRecord {
    return this.#record;
  }

  /** Applies `change` to the file table and writes the record. Resolves when written. */
  update(change: (files: FileTable) => void): Promise<void> {
    const run = this.#queue.then(async () => {
      const files: FileTable = { ...this.#record.files };
      change(files);
      this.#record = { ...this.#record, files, updatedAt: Date.now() };
      await this.#cache.putRecord(this.#record);
    });
    // A failed write must not block the updates queued after it.
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Writes the record as it is (e.g. with a new manifest). */
  flush(): Promise<void> {
    return this.update(() => undefined);
  }
}
