/**
 * Download progress events, in the spirit of transformers.js' progress
 * callbacks: `initiate` when a file starts, `progress` as bytes arrive,
 * `done` when a file is stored and verified, `ready` once when the whole
 * model is, and `error` when the download fails.
 *
 * Browser-safe.
 */

/** What happened. */
export type DownloadStatus = 'initiate' | 'progress' | 'done' | 'ready' | 'error';

/** One progress event. Byte counts include bytes resumed from an earlier, interrupted download. */
export interface DownloadProgress {
  readonly status: DownloadStatus;
  /** Model id (cache key). */
  readonly model: string;
  /** Repo path of the file; absent for `ready` (the whole model) and for an `error` not tied to one file. */
  readonly file?: string;
  /** Bytes of this file received (for `ready`: of all files). */
  readonly loaded: number;
  /** Size of this file, 0 while unknown (for `ready`: of all files). */
  readonly total: number;
  /** `loaded / total` in [0, 1]; 0 while the total is unknown. */
  readonly progress: number;
  /** Bytes received over every file of this download. */
  readonly totalLoaded: number;
  /** Bytes expected over every file of this download (files of unknown size count once known). */
  readonly totalBytes: number;
  /** For `error`: the typed error the download throws. */
  readonly error?: Error;
}

/** Receives progress events. Exceptions it throws are ignored: a broken progress bar must not break a download. */
export type DownloadProgressCallback = (event: DownloadProgress) => void;

/** Keeps per-file and total byte counts and turns them into events. */
export class ProgressTracker {
  readonly #model: string;
  readonly #callback: DownloadProgressCallback | undefined;
  readonly #interval: number;
  readonly #files = new Map<string, { loaded: number; total: number; lastEmitted: number }>();

  /**
   * @param interval emit a `progress` event at most every `interval` bytes
   *   per file (plus one at the end of each file), so a multi-GB download
   *   does not flood the UI with events.
   */
  constructor(model: string, callback: DownloadProgressCallback | undefined, interval: number) {
    this.#model = model;
    this.#callback = callback;
    this.#interval = interval;
  }

  /** Registers a file before the download starts, so `totalBytes` is right from the first event. */
  add(file: string, total: number | undefined, loaded = 0): void {
    this.#files.set(file, { loaded, total: total ?? 0, lastEmitted: loaded });
  }

  initiate(file: string): void {
    this.#emit('initiate', file);
  }

  /** The file's size became known (e.g. from `Content-Length`). */
  setTotal(file: string, total: number): void {
    const f = this.#files.get(file);
    if (f) f.total = total;
  }

  /** `loaded` bytes of `file` are in hand; may go down when a download restarts. */
  update(file: string, loaded: number): void {
    const f = this.#files.get(file);
    if (!f) return;
    f.loaded = loaded;
    if (Math.abs(loaded - f.lastEmitted) >= this.#interval || (f.total > 0 && loaded === f.total)) {
      f.lastEmitted = loaded;
      this.#emit('progress', file);
    }
  }

  done(file: string): void {
    const f = this.#files.get(file);
    if (f) f.total = f.loaded;
    this.#emit('done', file);
  }

  ready(): void {
    this.#emit('ready');
  }

  error(error: Error, file?: string): void {
    this.#emit('error', file, error);
  }

  /** Bytes received over all files. */
  get totalLoaded(): number {
    let n = 0;
    for (const f of this.#files.values()) n += f.loaded;
    return n;
  }

  #emit(status: DownloadStatus, file?: string, error?: Error): void {
    if (!this.#callback) return;
    let totalLoaded = 0;
    let totalBytes = 0;
    for (const f of this.#files.values()) {
      totalLoaded += f.loaded;
      totalBytes += Math.max(f.total, f.loaded);
    }
    const f = file === undefined ? undefined : this.#files.get(file);
    const loaded = f ? f.loaded : totalLoaded;
    const total = f ? f.total : totalBytes;
    const event: DownloadProgress = {
      status,
      model: this.#model,
      ...(file === undefined ? {} : { file }),
      loaded,
      total,
      progress: total > 0 ? Math.min(1, loaded / total) : status === 'ready' ? 1 : 0,
      totalLoaded,
      totalBytes,
      ...(error === undefined ? {} : { error }),
    };
    try {
      this.#callback(event);
    } catch {
      // See DownloadProgressCallback: ignored on purpose.
    }
  }
}
