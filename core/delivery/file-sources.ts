/**
 * Model repos the user picks in the browser: the files of an
 * `<input type="file" webkitdirectory>` ({@link FileListSource}) or a folder
 * from `showDirectoryPicker()` / the origin-private file system
 * ({@link DirectoryHandleSource}). Nothing is downloaded or copied: files are
 * read from disk when the loader asks for them.
 *
 * Browser-safe (and `FileListSource` runs in Node 20, which has `File`).
 */
import { errorMessage, ModelFormatError, StippleError } from '../errors';
import { checkRepoPath, type RepoSource } from '../models/source';
import { readBlobBytes } from './bytes';

/**
 * A picked file with its path as the user's folder has it
 * (`my-model/unet/model.onnx`): the form picked files take when they are
 * posted to a Worker (cloning a `File` drops its `webkitRelativePath`).
 */
export interface PickedFile {
  readonly path: string;
  readonly blob: Blob;
}

/** Picked files with their paths kept: a form that survives `postMessage`. */
export function pickedFiles(files: ArrayLike<File> | Iterable<File>): PickedFile[] {
  return Array.from(files as ArrayLike<File>, (f) => ({ path: f.webkitRelativePath || f.name, blob: f }));
}

/**
 * A repo from picked files. Paths come from `webkitRelativePath`
 * (`my-model/unet/model.onnx`), with the picked folder's own name removed
 * so paths are relative to the repo root (`unet/model.onnx`).
 *
 * @example
 * input.onchange = () => loadModelRepo(new FileListSource(input.files!));
 */
export class FileListSource implements RepoSource {
  readonly description: string;
  /** The picked folder's name, when the files came in one. */
  readonly folder: string | undefined;
  readonly #files: ReadonlyMap<string, Blob>;

  /**
   * @param files picked files (a `FileList`, an array), the same as
   *   {@link PickedFile}s (e.g. posted to a Worker), or a map from repo path
   *   to Blob when the app knows the paths itself.
   * @throws {StippleError} `INVALID_INPUT` when two files would have the
   *   same path (e.g. several `model.onnx` picked without their folders).
   */
  constructor(files: ArrayLike<File> | Iterable<File> | readonly PickedFile[] | ReadonlyMap<string, Blob>) {
    if (files instanceof Map) {
      this.#files = new Map([...(files as ReadonlyMap<string, Blob>)].map(([p, b]) => [checkRepoPath(p), b]));
      this.description = 'the picked files';
      this.folder = undefined;
      return;
    }
    const list = Array.from(files as ArrayLike<File | PickedFile>, (f) => ('blob' in f ? f : pickedFiles([f])[0]!));
    const rawPaths = list.map((f) => f.path.replace(/\\/g, '/'));
    const roots = new Set(rawPaths.map((p) => (p.includes('/') ? p.slice(0, p.indexOf('/')) : '')));
    // Every path starts with the same folder name: that folder is the repo root.
    const root = roots.size === 1 && !roots.has('') ? [...roots][0]! : undefined;
    const map = new Map<string, Blob>();
    list.forEach((file, i) => {
      const path = root === undefined ? rawPaths[i]! : rawPaths[i]!.slice(root.length + 1);
      if (map.has(path)) {
        throw new StippleError(
          'INVALID_INPUT',
          `Two picked files are both "${path}". Pick the model's folder (not its files) so each file keeps its place in the repo.`,
        );
      }
      map.set(path, file.blob);
    });
    this.#files = map;
    this.folder = root;
    this.description = root === undefined ? 'the picked files' : `the picked folder "${root}"`;
  }

  /** Repo paths of the picked files, sorted. */
  get paths(): string[] {
    return [...this.#files.keys()].sort();
  }

  async exists(path: string): Promise<boolean> {
    return this.#files.has(checkRepoPath(path));
  }

  async readText(path: string): Promise<string> {
    return this.#blob(path).text();
  }

  async readBytes(path: string): Promise<Uint8Array> {
    const blob = this.#blob(path);
    try {
      return await readBlobBytes(blob);
    } catch (cause) {
      throw new ModelFormatError(path, 'a readable file', `${errorMessage(cause)} (was it moved or deleted since it was picked?)`, { cause });
    }
  }

  #blob(path: string): Blob {
    const blob = this.#files.get(checkRepoPath(path));
    if (blob === undefined) throw new ModelFormatError(path, 'a file of the model repo', `not among ${this.description}`);
    return blob;
  }
}

/**
 * A repo in a `FileSystemDirectoryHandle`: a folder from
 * `showDirectoryPicker()`, or one in the origin-private file system
 * (`navigator.storage.getDirectory()`).
 */
export class DirectoryHandleSource implements RepoSource {
  readonly description: string;
  readonly #root: FileSystemDirectoryHandle;

  constructor(root: FileSystemDirectoryHandle) {
    this.#root = root;
    this.description = `the folder "${root.name || '/'}"`;
  }

  async exists(path: string): Promise<boolean> {
    try {
      await this.#file(path);
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw this.#error(path, error);
    }
  }

  async readText(path: string): Promise<string> {
    return (await this.#open(path)).text();
  }

  async readBytes(path: string): Promise<Uint8Array> {
    const file = await this.#open(path);
    try {
      return await readBlobBytes(file);
    } catch (error) {
      throw this.#error(path, error);
    }
  }

  async #open(path: string): Promise<File> {
    try {
      return await this.#file(path);
    } catch (error) {
      throw this.#error(path, error);
    }
  }

  async #file(path: string): Promise<File> {
    const segments = checkRepoPath(path).split('/');
    let dir = this.#root;
    for (const name of segments.slice(0, -1)) dir = await dir.getDirectoryHandle(name);
    const handle = await dir.getFileHandle(segments[segments.length - 1]!);
    return handle.getFile();
  }

  #error(path: string, error: unknown): ModelFormatError {
    if (isMissing(error)) return new ModelFormatError(path, 'a file of the model repo', `not found in ${this.description}`, { cause: error });
    return new ModelFormatError(path, 'a readable file', `${errorMessage(error)} (in ${this.description})`, { cause: error });
  }
}

/** `NotFoundError` (no such entry) or `TypeMismatchError` (a folder where a file was asked for, or the reverse). */
function isMissing(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'NotFoundError' || name === 'TypeMismatchError';
}
