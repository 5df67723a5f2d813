/**
 * A model folder dropped on the panel, as the same `FileList` the folder
 * picker gives: every file with its path inside the folder in
 * `webkitRelativePath` ("my-model/unet/model.onnx"), so the hosts' loaders
 * read it exactly like a picked folder.
 */
import { InvalidInputError } from '../../core/image';

/** Reads all entries of a directory (the API hands them out in batches). */
function readAll(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const all: FileSystemEntry[] = [];
  return new Promise((resolve, reject) => {
    const next = (): void =>
      reader.readEntries((batch) => {
        if (batch.length === 0) resolve(all);
        else {
          all.push(...batch);
          next();
        }
      }, reject);
    next();
  });
}

async function collect(entry: FileSystemEntry, path: string, out: File[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    // A dropped file has no relative path of its own; give it the one a picked folder would have.
    Object.defineProperty(file, 'webkitRelativePath', { value: path, configurable: true });
    out.push(file);
  } else if (entry.isDirectory) {
    for (const child of await readAll(entry as FileSystemDirectoryEntry)) await collect(child, `${path}/${child.name}`, out);
  }
}

/**
 * The files of the folder dropped in `data`.
 *
 * @throws {InvalidInputError} when no folder was dropped (files only, or text).
 */
export async function droppedFolder(data: DataTransfer): Promise<FileList> {
  const folders = Array.from(data.items)
    .map((item) => item.webkitGetAsEntry?.())
    .filter((e): e is FileSystemEntry => !!e && e.isDirectory);
  if (folders.length !== 1) throw new InvalidInputError('Drop one model folder here (the folder that holds model_index.json, unet/ and the others).');
  const files: File[] = [];
  await collect(folders[0]!, folders[0]!.name, files);
  // A real FileList, as the picker gives: the hosts' loaders take nothing else.
  const list = new DataTransfer();
  for (const f of files) list.items.add(f);
  return list.files;
}
