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
import { loadModelRepo } from '../models/repo';
import { UrlSource, type RepoSource } from '../models/source';
import type { FetchLike } from './downloader';
import { revisionFromUrl, type ModelManifest } from './manifest';

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

/**
 * Builds the manifest of the repo at `baseUrl` (a Hugging Face
 * `https://huggingface.co/<owner>/<repo>/resolve/<revision>/` URL or any
 * static folder). Sizes are left out: the downloader asks the server.
 *
 * @throws {ModelFormatError} naming the file, as `loadModelRepo` does:
 *   `model_index.json` when the URL is not a model repo at all.
 */
export async function discoverManifest(baseUrl: string, options: { fetch?: FetchLike } = {}): Promise<ModelManifest> {
  const source = new UrlSource(baseUrl, options.fetch);
  const recording = new RecordingSource(source);
  const repo = await loadModelRepo(recording);
  const id = source.description; // normalised: trailing slash added
  return {
    id,
    revision: revisionFromUrl(id) ?? 'unversioned',
    baseUrl: id,
    kind: repo.kind,
    files: [...recording.found].sort().map((path) => ({ path })),
  };
}
