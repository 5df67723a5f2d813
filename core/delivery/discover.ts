/**
 * The manifest of a repo known only by its URL: whichever files the loader
 * itself asks for. The loader runs once against the server (configs,
 * tokenizer and existence checks only: a few MB, no weights), and every file
 * it found becomes a manifest entry. So the download holds exactly what
 * `loadModelRepo` needs, and a URL that is not a model repo fails here,
 * before anything is stored.
 *
 * Browser-safe.
 */
import { CancelledError, throwIfCancelled } from '../errors';
import { loadModelRepo, type ModelRepo } from '../models/repo';
import { UrlSource, type RepoSource } from '../models/source';
import { boundedFetch } from './bounded-fetch';
import type { FetchLike } from './downloader';
import { DownloadError } from './errors';
import { revisionFromUrl, type ModelManifest } from './manifest';
import type { Sleep } from './retry';
import { retryingFetch } from './retrying-fetch';

/** Records which files a loader found. */
class RecordingSource implements RepoSource {
  readonly found = new Set<string>();
  readonly #inner: RepoSource;
  readonly description: string;

  constructor(inner: RepoSource) {
    this.#inner = inner;
    this.description = inner.description;
  }

  async exists(path: string): Promise<boolean> {
    const yes = await this.#inner.exists(path);
    if (yes) this.found.add(path);
    return yes;
  }

  async readText(path: string): Promise<string> {
    const text = await this.#inner.readText(path);
    this.found.add(path);
    return text;
  }

  async readBytes(path: string): Promise<Uint8Array> {
    const bytes = await this.#inner.readBytes(path);
    this.found.add(path);
    return bytes;
  }
}

/** Options of {@link discoverManifest}. */
export interface DiscoverOptions {
  readonly fetch?: FetchLike;
  /** Aborting stops discovery with a `CancelledError`. */
  readonly signal?: AbortSignal;
  /** A request that receives nothing for this long ends discovery with a `DownloadError`. Default 60 s. */
  readonly idleTimeoutMs?: number;
  /** Attempts after the first for a failed, refused (5xx, 429) or cut request. Default 5, as for downloads. */
  readonly retries?: number;
  /** First retry delay; doubles per retry. Default 500 ms. */
  readonly retryDelayMs?: number;
  /** Default 15 s. */
  readonly maxRetryDelayMs?: number;
  /** Injectable for tests. */
  readonly sleep?: Sleep;
}

/**
 * Builds the manifest of the repo at `baseUrl` (a Hugging Face
 * `https://huggingface.co/<owner>/<repo>/resolve/<revision>/` URL or any
 * static folder). Sizes are left out: the downloader asks the server.
 *
 * @throws {ModelFormatError} naming the file, as `loadModelRepo` does:
 *   `model_index.json` when the URL is not a model repo at all.
 * @throws {CancelledError} when `signal` aborts; {@link DownloadError} when the server stalls.
 */
export async function discoverManifest(baseUrl: string, options: DiscoverOptions = {}): Promise<ModelManifest> {
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  const bounded = boundedFetch(options.fetch ?? ((input, init) => globalThis.fetch(input, init)), options.signal, idleTimeoutMs);
  // A stalled server has had its idle timeout: only failures that a new attempt can fix are retried.
  const patient = retryingFetch(bounded.fetch, {
    retries: options.retries ?? 5,
    backoff: { baseDelayMs: options.retryDelayMs ?? 500, maxDelayMs: options.maxRetryDelayMs ?? 15_000 },
    signal: options.signal,
    sleep: options.sleep,
    isFinal: () => bounded.idleUrl !== undefined,
  });
  const source = new UrlSource(baseUrl, patient);
  const recording = new RecordingSource(source);
  let repo: ModelRepo;
  try {
    throwIfCancelled(options.signal);
    repo = await loadModelRepo(recording);
  } catch (error) {
    // Whatever the loader made of an aborted request, say what really happened.
    if (options.signal?.aborted) throw new CancelledError('Loading the model was cancelled. Nothing was stored.');
    const url = bounded.idleUrl;
    if (url !== undefined) {
      const file = url.startsWith(source.description) ? url.slice(source.description.length) : url;
      throw new DownloadError(file, url, `no data for ${idleTimeoutMs} ms while reading the repo's configs; the server stalled. Try again later`, { cause: error });
    }
    throw error;
  }
  const id = source.description; // normalised: trailing slash added
  return {
    id,
    revision: revisionFromUrl(id) ?? 'unversioned',
    baseUrl: id,
    kind: repo.kind,
    files: [...recording.found].sort().map((path) => ({ path })),
  };
}
