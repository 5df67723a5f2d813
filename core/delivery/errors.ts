/**
 * Typed errors of model delivery. Each names the model file involved and says
 * what the user can do; none of them leaves a half-written file marked as
 * complete in the cache.
 *
 * Browser-safe.
 */
import { StippleError } from '../errors';
import { formatBytes } from './bytes';

/**
 * A file could not be downloaded: the server refused it (`status` 401, 403,
 * 404, ...), or the connection kept failing after every retry.
 *
 * `resumable` is true when what was already received is kept in the cache,
 * so downloading again continues where this attempt stopped.
 */
export class DownloadError extends StippleError {
  readonly file: string;
  readonly url: string;
  /** HTTP status of the last answer; `undefined` for a network failure. */
  readonly status: number | undefined;
  readonly resumable: boolean;
  constructor(
    file: string,
    url: string,
    detail: string,
    init: { status?: number; resumable?: boolean; cause?: unknown } = {},
  ) {
    super('DOWNLOAD', `Could not download ${file} from ${url}: ${detail}.`, { cause: init.cause });
    this.file = file;
    this.url = url;
    this.status = init.status;
    this.resumable = init.resumable ?? false;
  }
}

/**
 * A downloaded or cached file does not match the manifest: wrong size or
 * wrong sha256. The file's bytes have been removed from the cache.
 */
export class IntegrityError extends StippleError {
  readonly file: string;
  /** What the manifest expects, e.g. `6448512 bytes` or `sha256 3f2a…`. */
  readonly expected: string;
  readonly actual: string;
  constructor(file: string, expected: string, actual: string, hint: string) {
    super('INTEGRITY', `${file}: expected ${expected}, got ${actual}. ${hint}`);
    this.file = file;
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * Not enough storage for a download. Thrown before the first byte is
 * written when the quota estimate is too small, or when the browser refuses
 * a write (`QuotaExceededError`); in the second case the file's partial
 * chunks have been removed.
 */
export class QuotaError extends StippleError {
  readonly model: string;
  /** Bytes the download still needs. */
  readonly needed: number;
  /** Bytes the browser (or disk) said were left; `undefined` when unknown. */
  readonly available: number | undefined;
  constructor(model: string, needed: number, available: number | undefined, options?: { cause?: unknown }) {
    const room = available === undefined ? 'the browser refused to store more' : `only ${formatBytes(available)} are available`;
    super(
      'QUOTA',
      `Not enough storage for ${model}: it needs ${formatBytes(needed)} (${needed} bytes) and ${room}. ` +
        'Delete cached models you no longer use, free disk space, or leave private browsing (it has a small quota).',
      options,
    );
    this.model = model;
    this.needed = needed;
    this.available = available;
  }
}

/**
 * The cache cannot provide a model file: it was never downloaded, the
 * browser evicted it, or a chunk is missing or has the wrong size. The entry
 * has been marked incomplete, so the next `loadModel` with a network
 * connection downloads the missing files again.
 */
export class CacheError extends StippleError {
  readonly model: string;
  /** Repo paths that are missing or damaged. */
  readonly files: readonly string[];
  constructor(model: string, files: readonly string[], detail: string) {
    super(
      'CACHE',
      `${model}: ${files.length > 0 ? `${files.join(', ')}: ` : ''}${detail}. ` +
        'Connect to the network and load the model again: the missing parts are downloaded again.',
    );
    this.model = model;
    this.files = files;
  }
}
