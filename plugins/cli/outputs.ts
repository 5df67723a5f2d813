/**
 * The CLI's outputs: planned and checked before the model runs, written all
 * or none, never over one of the run's own inputs.
 *
 * A run can take minutes; finding out afterwards that the folder is missing,
 * or that `--out` was the input image, loses the work or the user's file.
 * So every output path is checked up front, and the files are written to
 * temporary names in their folder and renamed into place only once all of
 * them are written: a failed or interrupted run leaves no half-written file.
 */
import { constants } from 'node:fs';
import { access, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { InvalidInputError } from '../../core/image';

/** `OUT.png` for one image; `OUT-1.png`, `OUT-2.png`… for several. */
export function outputPaths(out: string, count: number): string[] {
  if (count === 1) return [out];
  const ext = extname(out) || '.png';
  const stem = out.slice(0, out.length - extname(out).length);
  return Array.from({ length: count }, (_, i) => `${stem}-${i + 1}${ext}`);
}

/** What a run will write: the images' paths and the optional raw float file. */
export interface OutputPlan {
  images: string[];
  raw?: string;
  /** Further outputs of a command (e.g. diffedit's `--mask-out`), by flag. */
  extra: Record<string, string>;
}

/**
 * Plans the outputs of a run of `count` images and checks, before anything
 * runs, that none is an input (`inputs` maps a flag to its path), that they
 * are all different, that each folder exists, and that each path is a file
 * that can be written.
 *
 * @throws {@link InvalidInputError} naming the flag and path.
 */
export async function planOutputs(
  out: string,
  raw: string | undefined,
  count: number,
  inputs: Record<string, string | undefined>,
  extraOutputs: Record<string, string | undefined> = {},
): Promise<OutputPlan> {
  const extra = Object.fromEntries(Object.entries(extraOutputs).filter((e): e is [string, string] => e[1] !== undefined));
  const plan: OutputPlan = { images: outputPaths(out, count), raw, extra };
  const targets: [string, string][] = plan.images.map((p) => ['--out', p]);
  if (raw !== undefined) targets.push(['--raw', raw]);
  targets.push(...Object.entries(extra));
  const seen = new Map<string, string>();
  for (const [flag, path] of targets) {
    const key = await identity(path);
    const clash = seen.get(key);
    if (clash) throw new InvalidInputError(`${flag} ${path} is the same file as ${clash}: give each output its own name.`);
    seen.set(key, `${flag} ${path}`);
  }
  for (const [inFlag, inPath] of Object.entries(inputs)) {
    if (inPath === undefined) continue;
    const key = await identity(inPath);
    const clash = seen.get(key);
    if (clash) throw new InvalidInputError(`${clash} would overwrite ${inFlag} ${inPath}: write the result to a new file.`);
  }
  for (const [flag, path] of targets) await checkWritable(flag, path);
  return plan;
}

/**
 * Writes every file to a temporary name next to it, then renames them all
 * into place. When any write fails, the temporary files are removed and no
 * output is touched.
 */
export async function writeAllOrNothing(files: { path: string; bytes: Uint8Array }[]): Promise<void> {
  const temps = files.map((f) => join(dirname(f.path), `.${basename(f.path)}.${process.pid}.${Date.now()}.tmp`));
  try {
    await Promise.all(files.map((f, i) => writeFile(temps[i]!, f.bytes, { flag: 'wx' })));
  } catch (error) {
    await Promise.all(temps.map((t) => unlink(t).catch(() => undefined)));
    throw error;
  }
  // Same-folder renames: atomic per file, and they only fail when the folder itself goes away.
  for (let i = 0; i < files.length; i++) await rename(temps[i]!, files[i]!.path);
}

/** The file a path names: device and inode when it exists (catches links and `./a` vs `a`), else its absolute path. */
async function identity(path: string): Promise<string> {
  try {
    const s = await stat(path);
    return `${s.dev}:${s.ino}`;
  } catch {
    return resolve(path);
  }
}

async function checkWritable(flag: string, path: string): Promise<void> {
  const folder = dirname(resolve(path));
  const dir = await stat(folder).catch(() => undefined);
  if (!dir?.isDirectory()) throw new InvalidInputError(`${flag} ${path}: the folder ${folder} does not exist. Create it first.`);
  try {
    await access(folder, constants.W_OK);
  } catch {
    throw new InvalidInputError(`${flag} ${path}: the folder ${folder} cannot be written to.`);
  }
  const existing = await stat(path).catch(() => undefined);
  if (existing && !existing.isFile()) throw new InvalidInputError(`${flag} ${path} is not a file (a folder or device): give a file name.`);
  if (existing) {
    try {
      await access(path, constants.W_OK);
    } catch {
      throw new InvalidInputError(`${flag} ${path} exists and cannot be written to.`);
    }
  }
}
