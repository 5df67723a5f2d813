/**
 * Where the files of a model repo come from. The loader only ever talks to a
 * {@link RepoSource}, so the same code reads a Hugging Face repo over HTTPS in
 * the browser, a static folder on any web host, or (in Node, see
 * `node-folder-source.ts`) a folder on disk.
 *
 * Browser-safe: no Node APIs in this file.
 */
import { errorMessage, ModelFormatError, StippleError } from '../errors';

/**
 * Read access to the files of one model repo.
 *
 * Paths are relative to the repo root and use `/` separators
 * (`unet/model.onnx`). Implementations throw {@link ModelFormatError} naming
 * the path when a file is missing or cannot be read.
 */
export interface RepoSource {
  /** Human-readable location (URL or folder), used in error messages. */
  readonly description: string;
  /** True when the file exists. Never throws for a plain "not found". */
  exists(path: string): Promise<boolean>;
  /** The file as UTF-8 text. */
  readText(path: string): Promise<string>;
  /** The file's bytes. */
  readBytes(path: string): Promise<Uint8Array>;
  /**
   * Optional: a URL ONNX Runtime can fetch the file from itself, with its size,
   * so a multi-GB external-data file never has to sit in one JS buffer here.
   * `release` frees the URL (e.g. revokes a `blob:` URL) once the session exists.
   */
  fileUrl?(path: string): Promise<SourceUrl | undefined>;
}

/** See {@link RepoSource.fileUrl}. */
export interface SourceUrl {
  url: string;
  size: number;
  release?(): void;
}

/**
 * Checks that `path` is a plain repo-relative path (`a/b.json`): no leading
 * `/`, no `.`/`..` segments, no backslashes. Sources join it onto a base URL
 * or folder, so anything else could escape the repo.
 *
 * @throws {StippleError} `INVALID_INPUT` for a path that is not repo-relative.
 */
export function checkRepoPath(path: string): string {
  const segments = path.split('/');
  if (
    path.length === 0 ||
    path.includes('\\') ||
    segments.some((s) => s === '' || s === '.' || s === '..')
  ) {
    throw new StippleError('INVALID_INPUT', `"${path}" is not a path inside a model repo (expected e.g. "unet/model.onnx").`);
  }
  return path;
}

type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/**
 * A model repo served over HTTP(S): a Hugging Face
 * `https://huggingface.co/<owner>/<repo>/resolve/<revision>/` base URL, or any
 * static host that serves the repo's folder layout.
 *
 * A `404`/`410` answer means "file not present" ({@link exists} returns
 * false); any other failure (HTTP error, network or CORS failure) is a
 * {@link ModelFormatError} naming the file and the URL.
 */
export class UrlSource implements RepoSource {
  readonly description: string;
  readonly #base: string;
  readonly #fetch: FetchLike;
  readonly #files: ReadonlySet<string> | undefined;

  /**
   * @param baseUrl URL of the repo root; a missing trailing `/` is added.
   * @param fetchImpl `fetch` to use, e.g. one that adds an `Authorization`
   *   header for gated repos. Defaults to the global `fetch`.
   * @param files Every file the repo has, when known (a local preset's
   *   manifest): {@link exists} then answers from the list instead of asking
   *   the server, so probing optional files prints no 404s in the console.
   */
  constructor(baseUrl: string | URL, fetchImpl?: FetchLike, files?: readonly string[]) {
    this.#files = files && new Set(files);
    const base = String(baseUrl);
    this.#base = base.endsWith('/') ? base : `${base}/`;
    this.description = this.#base;
    // Calling the global fetch as a method of another object throws
    // "Illegal invocation" in browsers: keep it unbound from `this`.
    this.#fetch = fetchImpl ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** The absolute URL of a repo file. */
  url(path: string): string {
    return this.#base + checkRepoPath(path).split('/').map(encodeURIComponent).join('/');
  }

  async exists(path: string): Promise<boolean> {
    const url = this.url(path);
    if (this.#files) return this.#files.has(checkRepoPath(path));
    let res = await this.#request(path, url, { method: 'HEAD' });
    // Some static hosts do not implement HEAD: ask for one byte instead.
    if (res.status === 405 || res.status === 501) {
      res = await this.#request(path, url, { headers: { Range: 'bytes=0-0' } });
      await res.body?.cancel().catch(() => undefined);
    }
    if (res.ok) return true;
    if (res.status === 404 || res.status === 410) return false;
    throw httpError(path, url, res);
  }

  async readText(path: string): Promise<string> {
    const res = await this.#get(path);
    return res.text();
  }

  /**
   * The file's own URL and its size (from HEAD's Content-Length), or undefined
   * when the host does not say. Browsers only: onnxruntime-web in Node reads
   * string external data as a file path, not a URL.
   */
  async fileUrl(path: string): Promise<SourceUrl | undefined> {
    if (typeof process !== 'undefined' && process.versions?.node) return undefined;
    const url = this.url(path);
    const res = await this.#request(path, url, { method: 'HEAD' });
    const size = Number(res.headers.get('content-length') ?? NaN);
    return res.ok && Number.isSafeInteger(size) ? { url, size } : undefined;
  }

  async readBytes(path: string): Promise<Uint8Array> {
    const res = await this.#get(path);
    return new Uint8Array(await res.arrayBuffer());
  }

  async #get(path: string): Promise<Response> {
    const url = this.url(path);
    const res = await this.#request(path, url);
    if (res.ok) return res;
    await res.body?.cancel().catch(() => undefined);
    if (res.status === 404 || res.status === 410) {
      throw new ModelFormatError(path, 'a file of the model repo', `not found: HTTP ${res.status} from ${url}`);
    }
    throw httpError(path, url, res);
  }

  async #request(path: string, url: string, init?: RequestInit): Promise<Response> {
    try {
      return await this.#fetch(url, init);
    } catch (cause) {
      throw new ModelFormatError(
        path,
        'a file that can be downloaded',
        `request to ${url} failed: ${errorMessage(cause)}; check the address, the connection, and that the host allows cross-origin requests (CORS)`,
        { cause },
      );
    }
  }
}

function httpError(path: string, url: string, res: Response): ModelFormatError {
  const hint =
    res.status === 401 || res.status === 403
      ? '; the repo may be private or gated: pass a fetch that sends an access token'
      : '';
  return new ModelFormatError(
    path,
    'a file that can be downloaded',
    `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''} from ${url}${hint}`,
  );
}
