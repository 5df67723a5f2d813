/**
 * Downloads a model's files into a {@link ModelCache}: streamed chunk by
 * chunk (never a whole file in memory), resumed with HTTP `Range` after a
 * dropped connection, retried a bounded number of times with backoff,
 * several files at once, cancellable, and checked against the manifest's
 * size and sha256 before a file is marked complete.
 *
 * Browser-safe.
 */
import { CancelledError, errorMessage, StippleError } from '../errors';
import {
  DEFAULT_CHUNK_SIZE,
  isQuotaExceeded,
  newRecord,
  recordIsComplete,
  type CachedFile,
  type ChunkRef,
  type ModelCache,
  type ModelRecord,
} from './cache';
import { CacheError, DownloadError, IntegrityError, QuotaError } from './errors';
import { contentCheckFor } from './content-check';
import { checkManifest, fileUrl, type ManifestFile, type ModelManifest } from './manifest';
import { runPool } from './pool';
import { ProgressTracker, type DownloadProgressCallback } from './progress';
import { RecordBook } from './record-book';
import { backoffDelay, isRetryableStatus, sleep as defaultSleep, type Sleep } from './retry';
import { Sha256 } from './sha256';
import { availableBytes, checkQuota, defaultStorage, requestPersistence, type StorageLike } from './storage';

/** The `fetch` the downloader calls; inject one to add headers (e.g. an access token) or to test. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** An incremental hash; {@link Sha256} by default (in Node, `node:crypto` is ~10x faster: see the README). */
export interface Hasher {
  update(bytes: Uint8Array): unknown;
  /** Lowercase hex digest. */
  hex(): string;
}

/** Options of {@link downloadModel}. */
export interface DownloadOptions {
  /** Where the files go. */
  readonly cache: ModelCache;
  readonly fetch?: FetchLike;
  readonly onProgress?: DownloadProgressCallback;
  /** Aborting stops every request; what was received is kept, and the next download resumes. */
  readonly signal?: AbortSignal;
  /** Files downloaded at once. Default 3. */
  readonly concurrency?: number;
  /** Failed attempts in a row (without a byte received) before a file gives up. Default 5. */
  readonly retries?: number;
  /**
   * Failed attempts of one file in all, progress or not, before it gives up.
   * Default 4 x `retries`. A server that trickles a few bytes then stalls
   * resets the in-a-row count every time; this bound still ends the download.
   */
  readonly totalRetries?: number;
  /** First retry delay; doubles per retry. Default 500 ms. */
  readonly retryDelayMs?: number;
  /** Default 15 s. */
  readonly maxRetryDelayMs?: number;
  /** An attempt that receives nothing for this long is dropped and retried. Default 60 s. */
  readonly idleTimeoutMs?: number;
  /** Injectable for tests. */
  readonly sleep?: Sleep;
  /** Bytes per stored chunk. Default 32 MiB. */
  readonly chunkSize?: number;
  /** `navigator.storage` stand-in; `null` skips the quota check and the persistence request. */
  readonly storage?: StorageLike | null;
  /**
   * `auto` (default): sha256 when the manifest gives one, else size only.
   * `sha256`: always compute it (and store it in the record). `size`: never.
   */
  readonly verify?: 'auto' | 'sha256' | 'size';
  readonly createHasher?: () => Hasher;
  /** Bytes between two `progress` events of one file. Default 512 KiB. */
  readonly progressInterval?: number;
}

/** What {@link downloadModel} did. */
export interface DownloadResult {
  /** The model's record, every file complete. */
  readonly record: ModelRecord;
  /** Repo paths fetched in this call (fully or the rest of a resumed file). */
  readonly downloaded: readonly string[];
  /** Bytes received over the network in this call. */
  readonly bytesDownloaded: number;
  /** Answer to `navigator.storage.persist()`; `undefined` where there is no such API. */
  readonly persisted: boolean | undefined;
}

/** What has to happen to one file. */
interface FilePlan {
  readonly file: ManifestFile;
  readonly url: string;
  /** Chunks already stored that this download continues from. */
  readonly resumeChunks: number;
  /** Expected size: the manifest's, else `Content-Length` from a HEAD request. */
  size: number | undefined;
}

/**
 * Downloads every file of `manifest` that the cache lacks (or holds only in
 * part, or holds for another revision), and returns the complete record.
 * Files already complete are not requested at all.
 *
 * @throws {QuotaError} before any write when the files will not fit, or when
 *   a write is refused; partial files of this download are removed.
 * @throws {IntegrityError} when a file's size or sha256 differs from the
 *   manifest; that file is removed from the cache.
 * @throws {DownloadError} when the server refuses a file (404, 403, ...;
 *   the file's partial bytes are removed) or the connection keeps failing
 *   (`resumable`: what was received is kept, and the next call resumes).
 * @throws {CancelledError} when `signal` aborts (resumable too).
 * @throws {CacheError} when the cache fails for another reason.
 */
export async function downloadModel(manifest: ModelManifest, options: DownloadOptions): Promise<DownloadResult> {
  return new ModelDownload(checkManifest(manifest), options).run();
}

class ModelDownload {
  readonly #manifest: ModelManifest;
  readonly #cache: ModelCache;
  readonly #fetch: FetchLike;
  readonly #storage: StorageLike | undefined;
  readonly #chunkSize: number;
  readonly #retries: number;
  readonly #totalRetries: number;
  readonly #backoff: { baseDelayMs: number; maxDelayMs: number };
  readonly #idleTimeoutMs: number;
  readonly #sleep: Sleep;
  readonly #verify: 'auto' | 'sha256' | 'size';
  readonly #createHasher: () => Hasher;
  readonly #concurrency: number;
  readonly #userSignal: AbortSignal | undefined;
  /** Aborted by the user's signal or by the first fatal error, to stop the other files. */
  readonly #run = new AbortController();
  readonly #tracker: ProgressTracker;
  #book!: RecordBook;
  #bytesDownloaded = 0;

  constructor(manifest: ModelManifest, options: DownloadOptions) {
    this.#manifest = manifest;
    this.#cache = options.cache;
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#storage = options.storage === null ? undefined : (options.storage ?? defaultStorage());
    this.#chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    this.#retries = options.retries ?? 5;
    this.#totalRetries = options.totalRetries ?? 4 * this.#retries;
    this.#backoff = { baseDelayMs: options.retryDelayMs ?? 500, maxDelayMs: options.maxRetryDelayMs ?? 15_000 };
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
    this.#sleep = options.sleep ?? defaultSleep;
    this.#verify = options.verify ?? 'auto';
    this.#createHasher = options.createHasher ?? (() => new Sha256());
    this.#concurrency = options.concurrency ?? 3;
    this.#userSignal = options.signal;
    this.#tracker = new ProgressTracker(manifest.id, options.onProgress, options.progressInterval ?? 512 * 1024);
    if (!(this.#chunkSize > 0 && Number.isSafeInteger(this.#chunkSize))) {
      throw new StippleError('INVALID_INPUT', `chunkSize must be a positive whole number of bytes, got ${this.#chunkSize}.`);
    }
  }

  async run(): Promise<DownloadResult> {
    const onUserAbort = (): void => this.#run.abort(this.#userSignal?.reason);
    if (this.#userSignal?.aborted) throw cancelled();
    this.#userSignal?.addEventListener('abort', onUserAbort, { once: true });
    const downloaded: string[] = [];
    try {
      const plans = await this.#plan();
      await this.#probeSizes(plans);
      const needed = plans.reduce((n, p) => n + Math.max(0, (p.size ?? 0) - p.resumeChunks * this.#chunkSize), 0);
      await checkQuota(this.#manifest.id, needed, this.#cache, this.#storage);
      const persisted = plans.length > 0 ? await requestPersistence(this.#storage) : undefined;
      for (const p of plans) this.#tracker.add(p.file.path, p.size, Math.min(p.size ?? Infinity, p.resumeChunks * this.#chunkSize));

      await runPool(
        plans,
        this.#concurrency,
        async (plan) => {
          await this.#downloadFile(plan);
          downloaded.push(plan.file.path);
        },
        () => this.#run.abort(new Error('another file failed')),
      ).catch(async (error: unknown) => {
        throw await this.#failed(error, plans);
      });

      await this.#pruneOrphans();
      const record = this.#book.record;
      if (!recordIsComplete(record)) {
        // Only reachable if the cache lost entries while we wrote them.
        throw new CacheError(this.#manifest.id, [], `${this.#cache.description} did not keep the downloaded files`);
      }
      this.#tracker.ready();
      return { record, downloaded, bytesDownloaded: this.#bytesDownloaded, persisted };
    } catch (error) {
      const typed = error instanceof StippleError ? error : this.#cacheError(undefined, error);
      await this.#dropIfEmpty().catch(() => undefined);
      this.#tracker.error(typed, (typed as { file?: string }).file);
      throw typed;
    } finally {
      this.#userSignal?.removeEventListener('abort', onUserAbort);
    }
  }

  /**
   * Reads the record, decides per file what to fetch and from which chunk,
   * and makes the record and the stored chunks agree before anything is
   * downloaded (chunks no record entry covers are deleted).
   */
  async #plan(): Promise<FilePlan[]> {
    const id = this.#manifest.id;
    const existing = await this.#cache.getRecord(id);
    const base = existing?.version === 1 ? existing : newRecord(this.#manifest);
    this.#book = new RecordBook(this.#cache, { ...base, manifest: this.#manifest });
    const stored = chunkIndex(await this.#cache.listChunks(id));
    const revisionChanged = base.manifest.revision !== this.#manifest.revision;
    const plans: FilePlan[] = [];
    const keep: Record<string, CachedFile> = {};

    for (const file of this.#manifest.files) {
      const entry = base.files[file.path];
      const present = stored.get(file.path) ?? new Set<number>();
      const prefix = contiguousPrefix(present);
      if (entry && this.#reusable(entry, file, revisionChanged)) {
        if (entry.state === 'absent' && file.optional) {
          keep[file.path] = entry;
          continue;
        }
        if (entry.state === 'complete' && prefix >= entry.chunks) {
          keep[file.path] = entry;
          continue;
        }
        // Partial, or complete with chunks gone (evicted): continue after the chunks still there.
        const resumeChunks = entry.chunkSize === this.#chunkSize ? Math.min(entry.chunks, prefix) : 0;
        if (resumeChunks > 0) {
          const { sha256: _stale, ...rest } = entry;
          keep[file.path] = { ...rest, state: 'partial', chunks: resumeChunks };
        }
        plans.push({ file, url: fileUrl(this.#manifest, file), resumeChunks, size: file.size ?? entry.size });
        continue;
      }
      plans.push({ file, url: fileUrl(this.#manifest, file), resumeChunks: 0, size: file.size });
    }

    // Record first (it now claims only what is kept), then drop the chunks it no longer covers.
    // A model seen for the first time gets no record until its first chunk is stored:
    // a download refused up front (quota, 404) leaves nothing behind.
    if (existing !== undefined) {
      await this.#book.update((files) => {
        for (const path of Object.keys(files)) delete files[path];
        Object.assign(files, keep);
      });
    }
    await this.#pruneOrphans();
    return plans;
  }

  /** Whether a cached entry still belongs to the manifest's version of the file. */
  #reusable(entry: CachedFile, file: ManifestFile, revisionChanged: boolean): boolean {
    if (entry.state === 'complete' && file.sha256 !== undefined) {
      if (entry.sha256 !== undefined) return entry.sha256 === file.sha256 && (file.size === undefined || entry.size === file.size);
      // Stored without a hash: only the same revision and size vouch for it.
    }
    if (revisionChanged || entry.revision !== this.#manifest.revision) return false;
    return file.size === undefined || entry.size === undefined || entry.size === file.size;
  }

  /** Fills in unknown sizes with HEAD requests, and finds absent optional files before any download. */
  async #probeSizes(plans: FilePlan[]): Promise<void> {
    const unknown = plans.filter((p) => p.size === undefined);
    const absent = new Set<FilePlan>();
    await runPool(unknown, this.#concurrency, async (plan) => {
      let res: Response;
      try {
        res = await this.#fetch(plan.url, { method: 'HEAD', signal: this.#run.signal });
      } catch {
        if (this.#run.signal.aborted) throw cancelled();
        return; // The GET will retry and report.
      }
      await res.body?.cancel().catch(() => undefined);
      if (res.status === 404 || res.status === 410) {
        if (!plan.file.optional) {
          await this.#discard(plan.file.path);
          throw notFound(plan, res.status);
        }
        absent.add(plan);
        await this.#markAbsent(plan);
        return;
      }
      if (res.status === 401 || res.status === 403) {
        await this.#discard(plan.file.path);
        throw refused(plan, res.status);
      }
      if (res.ok) plan.size = contentLength(res);
    });
    for (let i = plans.length - 1; i >= 0; i--) if (absent.has(plans[i]!)) plans.splice(i, 1);
  }

  /** Downloads one file, resuming and retrying, then verifies it and marks it complete. */
  async #downloadFile(plan: FilePlan): Promise<void> {
    const { file, url } = plan;
    const path = file.path;
    const chunkSize = this.#chunkSize;
    /** Bytes the manifest vouches for: exceeding them is an error, not a hint. */
    const strictSize = file.size;
    let expected = plan.size;
    const hashing = this.#verify === 'sha256' || (this.#verify === 'auto' && file.sha256 !== undefined);
    let hasher = hashing ? this.#createHasher() : undefined;
    let check = contentCheckFor(path);
    /** The sha256 the file must have: the manifest's, else the one the host sends (X-Linked-Etag). */
    let expectedSha = file.sha256;

    let chunks = plan.resumeChunks;
    if (chunks > 0 && (hasher || check)) chunks = await this.#rehash(path, chunks, [hasher, check]);
    let committed = chunks * chunkSize; // bytes stored in the cache
    const buffer = new Uint8Array(expected === undefined ? chunkSize : Math.max(1, Math.min(chunkSize, expected - committed)));
    let chunkBuffer = buffer;
    let fill = 0; // bytes in chunkBuffer, not yet stored
    let failures = 0;
    let allFailures = 0;
    let lastError = '';

    this.#tracker.initiate(path);
    this.#tracker.update(path, committed);

    const flush = async (): Promise<void> => {
      await this.#writeChunk(path, chunks, chunkBuffer.subarray(0, fill));
      chunks++;
      committed += fill;
      fill = 0;
      const entry: CachedFile = { state: 'partial', size: expected, chunkSize, chunks, revision: this.#manifest.revision };
      await this.#book.update((files) => void (files[path] = entry));
      // After a flush the buffer can be reused: caches copy what they keep.
    };
    const restart = async (): Promise<void> => {
      chunks = 0;
      committed = 0;
      fill = 0;
      hasher = hashing ? this.#createHasher() : undefined;
      check = contentCheckFor(path);
      await this.#book.update((files) => void delete files[path]);
      this.#tracker.update(path, 0);
    };

    for (;;) {
      const position = committed + fill;
      if (expected !== undefined && position === expected && position > 0) break; // everything is in hand
      if (this.#run.signal.aborted) throw cancelled();

      const attempt = new AbortController();
      const stopAttempt = (): void => attempt.abort(this.#run.signal.reason);
      this.#run.signal.addEventListener('abort', stopAttempt, { once: true });
      let idle = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const arm = (): void => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          idle = true;
          attempt.abort(new Error('idle timeout'));
        }, this.#idleTimeoutMs);
      };
      let received = 0;
      let wrongContent = false;
      let bodyEnded = false;
      let retryAfter: string | null = null;
      try {
        arm();
        const res = await this.#fetch(url, {
          signal: attempt.signal,
          ...(position > 0 ? { headers: { Range: `bytes=${position}-` } } : {}),
        });
        if (res.status === 416 && position > 0) {
          // Asked past the end: the server says how long the file is.
          await res.body?.cancel().catch(() => undefined);
          const total = contentRangeTotal(res.headers.get('Content-Range'));
          if (total !== undefined && strictSize !== undefined && total !== strictSize) {
            throw this.#sizeMismatch(path, strictSize, `${total} bytes on the server`);
          }
          if (total === position) {
            expected = total;
            break;
          }
          lastError = `HTTP 416 for bytes ${position}-`;
          await restart();
          throw new RetryableFailure();
        }
        if (!res.ok) {
          await res.body?.cancel().catch(() => undefined);
          if (res.status === 404 || res.status === 410) {
            if (file.optional) {
              await this.#markAbsent(plan);
              return;
            }
            throw notFound(plan, res.status);
          }
          if (!isRetryableStatus(res.status)) throw refused(plan, res.status);
          lastError = `HTTP ${res.status}`;
          retryAfter = res.headers.get('Retry-After');
          throw new RetryableFailure();
        }
        if (/^text\/html/i.test(res.headers.get('Content-Type') ?? '') && !/\.html?$/i.test(path)) {
          // A login wall, captive portal or CDN error page answered with 200: never store it as the file.
          await res.body?.cancel().catch(() => undefined);
          lastError = 'the server sent an HTML page instead of the file';
          wrongContent = true;
          throw new RetryableFailure();
        }
        if (position > 0) {
          const start = contentRangeStart(res.headers.get('Content-Range'));
          if (res.status !== 206 || (start !== undefined && start !== position)) {
            // The server ignored Range: start the file over, from this very response if it is the whole file.
            await restart();
            if (res.status !== 200) {
              await res.body?.cancel().catch(() => undefined);
              throw new RetryableFailure();
            }
          }
        }
        const linked = linkedSha256(res.headers);
        if (linked !== undefined && file.sha256 === undefined && this.#verify !== 'size' && committed + fill === 0) {
          // The host vouches for the content (Hugging Face sends the LFS sha256): hash from the first byte and hold it to that.
          expectedSha = linked;
          hasher ??= this.#createHasher();
        }
        const rangeTotal = res.status === 206 ? contentRangeTotal(res.headers.get('Content-Range')) : undefined;
        if (rangeTotal !== undefined && strictSize !== undefined && rangeTotal !== strictSize) {
          // Content-Range totals describe the file itself (Content-Length may describe a compressed transfer).
          throw this.#sizeMismatch(path, strictSize, `${rangeTotal} bytes on the server`);
        }
        const declared = res.status === 206 ? (rangeTotal ?? addIfKnown(committed + fill, contentLength(res))) : contentLength(res);
        if (expected === undefined && declared !== undefined) {
          expected = declared;
          this.#tracker.setTotal(path, declared);
        }
        if (!res.body) throw new RetryableFailure();

        const reader = res.body.getReader();
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            arm();
            if (value.length === 0) continue;
            if (strictSize !== undefined && committed + fill + value.length > strictSize) {
              throw this.#sizeMismatch(path, strictSize, `more than that (the server sent at least ${committed + fill + value.length})`);
            }
            received += value.length;
            this.#bytesDownloaded += value.length;
            hasher?.update(value);
            check?.update(value);
            let offset = 0;
            while (offset < value.length) {
              if (fill === chunkBuffer.length && fill < chunkSize) {
                // The expected size was an underestimate (e.g. a hint from Content-Length): grow to a full chunk.
                const bigger = new Uint8Array(chunkSize);
                bigger.set(chunkBuffer.subarray(0, fill));
                chunkBuffer = bigger;
              }
              const n = Math.min(chunkBuffer.length - fill, value.length - offset);
              chunkBuffer.set(value.subarray(offset, offset + n), fill);
              fill += n;
              offset += n;
              if (fill === chunkSize) await flush();
            }
            this.#tracker.update(path, committed + fill);
          }
          bodyEnded = true;
        } finally {
          if (!bodyEnded) await reader.cancel().catch(() => undefined);
        }
        // The body ended. It may still be short (the server closed early or sent a wrong Content-Length).
        const have = committed + fill;
        const want = strictSize ?? expected;
        if (want !== undefined && have < want) {
          lastError = `the connection closed after ${have} of ${want} bytes`;
          throw new RetryableFailure();
        }
        const problem = check?.finish();
        if (problem) {
          // Served with 200 but not the file (an error page, a truncated model): fetch it again from the start.
          lastError = `the server sent ${problem}`;
          wrongContent = true;
          await restart();
          throw new RetryableFailure();
        }
        expected ??= have;
        break;
      } catch (error) {
        if (error instanceof StippleError) throw await this.#fatal(path, error);
        if (this.#run.signal.aborted) throw cancelled();
        if (!(error instanceof RetryableFailure)) lastError = idle ? `no data for ${this.#idleTimeoutMs} ms` : errorMessage(error);
        failures = received > 0 && !wrongContent ? 1 : failures + 1;
        allFailures++;
        if (failures > this.#retries || allFailures > this.#totalRetries) {
          const why = failures > this.#retries ? `${failures} failed attempts in a row` : `${allFailures} failed attempts`;
          const kept = wrongContent ? 'Nothing of it was kept' : 'What was received is kept: download again to resume';
          throw new DownloadError(path, url, `${lastError}; gave up after ${why}. ${kept}`, {
            resumable: !wrongContent,
            cause: error,
          });
        }
        try {
          await this.#sleep(backoffDelay(failures, this.#backoff, retryAfter), this.#run.signal);
        } catch {
          throw cancelled();
        }
      } finally {
        clearTimeout(timer);
        this.#run.signal.removeEventListener('abort', stopAttempt);
      }
    }

    if (fill > 0) await flush();
    const size = committed;
    if (strictSize !== undefined && size !== strictSize) {
      throw await this.#fatal(path, this.#sizeMismatch(path, strictSize, `${size} bytes`));
    }
    const sha256 = hasher?.hex();
    if (expectedSha !== undefined && sha256 !== undefined && sha256 !== expectedSha) {
      const vouched = file.sha256 !== undefined ? 'the manifest describes' : 'the server vouched for (X-Linked-Etag)';
      throw await this.#fatal(
        path,
        new IntegrityError(path, `sha256 ${expectedSha}`, `sha256 ${sha256}`, `The file on the server is not the one ${vouched} (or it was corrupted in transit); it was not kept.`),
      );
    }
    const entry: CachedFile = {
      state: 'complete',
      size,
      chunkSize,
      chunks,
      ...(sha256 === undefined ? {} : { sha256 }),
      revision: this.#manifest.revision,
    };
    // Written last: only now does the record call the file complete.
    await this.#book.update((files) => void (files[path] = entry));
    this.#tracker.done(path);
  }

  /** Feeds the stored chunks of a resumed file to the hasher and content check; returns how many were intact. */
  async #rehash(path: string, chunks: number, sinks: readonly ({ update(bytes: Uint8Array): unknown } | undefined)[]): Promise<number> {
    for (let i = 0; i < chunks; i++) {
      if (this.#run.signal.aborted) throw cancelled();
      const bytes = await this.#cache.getChunk(this.#manifest.id, path, i);
      if (bytes?.length !== this.#chunkSize) {
        // Chunk gone or damaged: the hash cannot go past it, so the download restarts there.
        if (i === 0) {
          await this.#book.update((files) => void delete files[path]);
        } else {
          const entry = this.#book.record.files[path]!;
          await this.#book.update((files) => void (files[path] = { ...entry, chunks: i }));
        }
        return i;
      }
      for (const sink of sinks) sink?.update(bytes);
    }
    return chunks;
  }

  async #writeChunk(path: string, index: number, bytes: Uint8Array): Promise<void> {
    try {
      await this.#cache.putChunk(this.#manifest.id, path, index, bytes);
    } catch (error) {
      if (isQuotaExceeded(error)) {
        const remaining = this.#remainingBytes();
        throw new QuotaError(this.#manifest.id, remaining, await availableBytes(this.#cache, this.#storage).catch(() => undefined), { cause: error });
      }
      throw this.#cacheError(path, error);
    }
  }

  /** Bytes this download still expects to receive (for the quota message). */
  #remainingBytes(): number {
    let total = 0;
    for (const f of this.#manifest.files) if (this.#book.record.files[f.path]?.state !== 'complete') total += f.size ?? 0;
    return Math.max(total - this.#tracker.totalLoaded, 0) || total;
  }

  async #markAbsent(plan: FilePlan): Promise<void> {
    const entry: CachedFile = { state: 'absent', size: 0, chunkSize: this.#chunkSize, chunks: 0, revision: this.#manifest.revision };
    await this.#book.update((files) => void (files[plan.file.path] = entry));
    await this.#deleteFileChunks(plan.file.path);
  }

  /** Removes a file whose bytes must not be kept (wrong hash, refused, no room), then returns the error to throw. */
  async #fatal(path: string, error: StippleError): Promise<StippleError> {
    if (error instanceof CancelledError) return error;
    await this.#discard(path).catch(() => undefined);
    return error;
  }

  /** After the pool failed: clean up what the error calls for and return the error to throw. */
  async #failed(error: unknown, plans: readonly FilePlan[]): Promise<unknown> {
    if (error instanceof QuotaError) {
      // No room: the other unfinished files of this download would only take space the user lacks.
      for (const p of plans) {
        if (this.#book.record.files[p.file.path]?.state !== 'complete') await this.#discard(p.file.path).catch(() => undefined);
      }
    }
    if (!(error instanceof StippleError) && this.#run.signal.aborted) return cancelled();
    return error;
  }

  /** Forgets a file: record entry first, chunks after. */
  async #discard(path: string): Promise<void> {
    if (this.#book.record.files[path] !== undefined) await this.#book.update((files) => void delete files[path]);
    await this.#deleteFileChunks(path);
  }

  /** After a failure: a record left with no stored bytes at all is removed, with any chunk it missed. */
  async #dropIfEmpty(): Promise<void> {
    if (!this.#book) return;
    const stored = Object.values(this.#book.record.files).some((f) => f.state !== 'absent');
    if (!stored) await this.#cache.deleteModel(this.#manifest.id);
  }

  async #deleteFileChunks(path: string): Promise<void> {
    const refs = (await this.#cache.listChunks(this.#manifest.id)).filter((c) => c.path === path);
    await this.#cache.deleteChunks(refs);
  }

  /** Deletes stored chunks the record does not cover (left by a crash, a restart, or an older revision). */
  async #pruneOrphans(): Promise<void> {
    const files = this.#book.record.files;
    const orphans = (await this.#cache.listChunks(this.#manifest.id)).filter((c) => {
      const entry = files[c.path];
      return entry === undefined || entry.state === 'absent' || c.index >= entry.chunks;
    });
    await this.#cache.deleteChunks(orphans);
  }

  #sizeMismatch(path: string, expected: number, actual: string): IntegrityError {
    return new IntegrityError(
      path,
      `${expected} bytes`,
      actual,
      'The file on the server is not the one the manifest describes (another revision?); it was not kept.',
    );
  }

  #cacheError(path: string | undefined, error: unknown): CacheError {
    const e = new CacheError(this.#manifest.id, path === undefined ? [] : [path], `could not write to ${this.#cache.description}: ${errorMessage(error)}`);
    return e;
  }
}

/**
 * The sha256 in Hugging Face's `X-Linked-Etag` (the LFS object id, quoted),
 * or undefined. A browser sees the header only when the response lists it in
 * `Access-Control-Expose-Headers`, and only on the response `fetch` ends at
 * (not on a redirect it followed).
 */
function linkedSha256(headers: Headers): string | undefined {
  const m = /^(?:W\/)?"?([0-9a-f]{64})"?$/i.exec(headers.get('X-Linked-Etag')?.trim() ?? '');
  return m ? m[1]!.toLowerCase() : undefined;
}

/** A failed attempt worth retrying (HTTP 5xx/429, a short body, a restart); the details are in `lastError`. */
class RetryableFailure extends Error {}

function cancelled(): CancelledError {
  return new CancelledError('The download was cancelled. What was received is kept: downloading again resumes it.');
}

function notFound(plan: FilePlan, status: number): DownloadError {
  return new DownloadError(plan.file.path, plan.url, `not found (HTTP ${status}); the repo has no such file at this revision`, { status });
}

function refused(plan: FilePlan, status: number): DownloadError {
  const hint = status === 401 || status === 403 ? '; the repo may be private or gated: pass a fetch that sends an access token' : '';
  return new DownloadError(plan.file.path, plan.url, `the server refused it (HTTP ${status})${hint}`, { status });
}

/** `Content-Length` when it describes the bytes `fetch` will hand over (not a compressed transfer). */
function contentLength(res: Response): number | undefined {
  const encoding = res.headers.get('Content-Encoding');
  if (encoding !== null && encoding.toLowerCase() !== 'identity') return undefined;
  const value = res.headers.get('Content-Length');
  return value !== null && /^\d+$/.test(value.trim()) ? Number(value) : undefined;
}

/** `bytes 100-199/1000` -> 100. `undefined` when absent or unreadable (cross-origin without an exposed header). */
function contentRangeStart(header: string | null): number | undefined {
  const match = header === null ? null : /^bytes (\d+)-\d+\/(?:\d+|\*)$/.exec(header.trim());
  return match ? Number(match[1]) : undefined;
}

/** The total after the slash of a `Content-Range` (`bytes 100-199/1000` -> 1000), in 206 and 416 answers alike. */
function contentRangeTotal(header: string | null): number | undefined {
  const match = header === null ? null : /\/(\d+)$/.exec(header.trim());
  return match ? Number(match[1]) : undefined;
}

function addIfKnown(a: number, b: number | undefined): number | undefined {
  return b === undefined ? undefined : a + b;
}

/** Chunk indices stored per path. */
function chunkIndex(refs: readonly ChunkRef[]): Map<string, Set<number>> {
  const byPath = new Map<string, Set<number>>();
  for (const r of refs) {
    let set = byPath.get(r.path);
    if (!set) byPath.set(r.path, (set = new Set()));
    set.add(r.index);
  }
  return byPath;
}

/** How many of the indices 0, 1, 2, ... are present without a gap. */
function contiguousPrefix(present: ReadonlySet<number>): number {
  let n = 0;
  while (present.has(n)) n++;
  return n;
}
