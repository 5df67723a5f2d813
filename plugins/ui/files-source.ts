/**
 * A model repo from files the user picked: `<input type="file" webkitdirectory>`
 * (or a drop of a folder). Each `File` carries its path inside the picked
 * folder in `webkitRelativePath` ("my-model/unet/model.onnx"); the first
 * segment (the folder's own name) is dropped, so paths match the repo layout.
 *
 * Browser-safe; also works in Node 20, which has `File`.
 */
import { ModelFormatError } from '../../core/errors';
import { checkRepoPath, type RepoSource } from '../../core/models/source';

/** A file and the path it has inside the picked folder. */
export interface PickedFile {
  readonly name: string;
  readonly webkitRelativePath?: string;
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export class FilesSource implements RepoSource {
  readonly description: string;
  readonly #files = new Map<string, PickedFile>();

  /**
   * @param files The picked files (a `FileList` or an array).
   * @param name What to call the folder in messages (default: its name).
   */
  constructor(files: ArrayLike<PickedFile> | Iterable<PickedFile>, name?: string) {
    const list = Array.from(files as ArrayLike<PickedFile>);
    const paths = list.map((f) => (f.webkitRelativePath || f.name).replace(/\\/g, '/'));
    // Drop the picked folder's own name when every path starts with it.
    const first = paths[0]?.split('/')[0];
    const strip = first !== undefined && paths.every((p) => p.startsWith(`${first}/`));
    list.forEach((f, i) => this.#files.set(strip ? paths[i]!.slice(first!.length + 1) : paths[i]!, f));
    this.description = `the folder "${name ?? (strip ? first : 'picked files')}"`;
  }

  /** Repo-relative paths of every picked file. */
  get paths(): string[] {
    return [...this.#files.keys()];
  }

  async exists(path: string): Promise<boolean> {
    return this.#files.has(checkRepoPath(path));
  }

  async readText(path: string): Promise<string> {
    return this.#get(path).text();
  }

  async readBytes(path: string): Promise<Uint8Array> {
    return new Uint8Array(await this.#get(path).arrayBuffer());
  }

  #get(path: string): PickedFile {
    const f = this.#files.get(checkRepoPath(path));
    if (!f) throw new ModelFormatError(path, 'a file of the model repo', `not in ${this.description}`);
    return f;
  }
}
