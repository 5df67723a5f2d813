/**
 * A model repo in a folder on disk. **Node only** (uses `node:fs`): browser
 * code must not import this file, which is why `core/models/index.ts` does not
 * re-export it. Import it directly: `core/models/node-folder-source`.
 */
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { errorMessage, ModelFormatError } from '../errors';
import { checkRepoPath, type RepoSource, type SourceUrl } from './source';

/** Reads a model repo from a local folder (e.g. a `git clone` of a Hugging Face repo). */
export class NodeFolderSource implements RepoSource {
  readonly description: string;
  /** Absolute path of the repo folder. */
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
    this.description = this.dir;
  }

  /** Absolute path of a repo file. */
  filePath(path: string): string {
    return join(this.dir, ...checkRepoPath(path).split('/'));
  }

  async exists(path: string): Promise<boolean> {
    try {
      return (await stat(this.filePath(path))).isFile();
    } catch (error) {
      if (isNotFound(error)) return false;
      throw this.#readError(path, error);
    }
  }

  async readText(path: string): Promise<string> {
    try {
      return await readFile(this.filePath(path), 'utf8');
    } catch (error) {
      throw this.#readError(path, error);
    }
  }

  async readBytes(path: string): Promise<Uint8Array> {
    try {
      const buf = await readFile(this.filePath(path));
      // Hand out a plain Uint8Array view (not a Buffer) so callers see the
      // same type in Node and in browsers.
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (error) {
      throw this.#readError(path, error);
    }
  }

  /** The file's absolute path: ONNX Runtime reads it from disk itself. */
  async fileUrl(path: string): Promise<SourceUrl | undefined> {
    const file = this.filePath(path);
    try {
      return { url: file, size: (await stat(file)).size };
    } catch (error) {
      throw this.#readError(path, error);
    }
  }

  #readError(path: string, error: unknown): ModelFormatError {
    if (isNotFound(error)) {
      return new ModelFormatError(path, 'a file of the model repo', `not found in ${this.dir}`, { cause: error });
    }
    if ((error as { code?: unknown }).code === 'EISDIR') {
      return new ModelFormatError(path, 'a file', `it is a folder in ${this.dir}`, { cause: error });
    }
    return new ModelFormatError(path, 'a readable file', `${errorMessage(error)} (in ${this.dir})`, { cause: error });
  }
}

function isNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
