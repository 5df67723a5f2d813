/**
 * The CLI's inputs: flag values parsed strictly and files read within limits.
 *
 * `Number()` accepts `0x2`, `0b1`, `1e9`, `' 5 '` and `Infinity`; a typo in
 * a flag should be an error, not a surprise, so only plain decimal numbers
 * pass. Files are checked before reading: `--image /dev/zero` would read
 * forever, and a PNG header declaring 20000x20000 px would allocate
 * gigabytes while decoding.
 */
import { readFile, stat } from 'node:fs/promises';
import { errorMessage } from '../../core/errors';
import { InvalidInputError, type RgbaImage } from '../../core/image';
import { declaredImageSize } from '../../core/image/header';
import { decodePng } from '../../core/image/png-node';
import { checkImageLimits, EDIT_LIMITS } from '../../core/pipelines/limits';
import { parsePythonJson } from '../../core/python-json';

/** A decimal number such as `7`, `-1`, `0.75`, `.5` or `2e-3`; no hex, binary, octal, `Infinity` or blanks. */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The number a flag's value spells, or undefined when the flag is absent. */
export function decimal(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!DECIMAL.test(value) || !Number.isFinite(n)) throw new InvalidInputError(`${flag} needs a decimal number, got "${value}".`);
  return n;
}

/**
 * Reads a whole input file after checking it is a regular file (not a
 * folder, pipe or device) of at most {@link EDIT_LIMITS}.fileBytes.
 */
export async function readInputFile(path: string, flag: string): Promise<Uint8Array> {
  const s = await stat(path).catch((e: unknown) => {
    // Name the flag in words a designer reads, not the raw ENOENT.
    if ((e as { code?: unknown }).code === 'ENOENT') throw new InvalidInputError(`${flag} ${path}: there is no such file.`);
    throw new InvalidInputError(`${flag} ${path} could not be opened (${errorMessage(e)}).`);
  });
  if (!s.isFile()) throw new InvalidInputError(`${flag} ${path} is not a regular file (a folder, pipe or device).`);
  if (s.size > EDIT_LIMITS.fileBytes) {
    throw new InvalidInputError(`${flag} ${path} is ${s.size} bytes, more than the ${EDIT_LIMITS.fileBytes} Stipple reads.`);
  }
  const b = await readFile(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Reads and decodes a PNG, refusing one whose header declares more pixels than the limits before decoding it. */
export async function readImageFile(path: string, flag: string): Promise<RgbaImage> {
  const bytes = await readInputFile(path, flag);
  const size = declaredImageSize(bytes);
  if (size) checkImageLimits(size.width, size.height, `${flag} ${path}`);
  return decodePng(bytes, path);
}

/** Parses a JSON input file, naming the file when it is not JSON. */
export async function readJsonFile(path: string, flag: string): Promise<unknown> {
  const text = new TextDecoder().decode(await readInputFile(path, flag));
  try {
    return parsePythonJson(text);
  } catch (e) {
    // JSON.parse quotes the bad text, which may span lines of binary: keep the message one line.
    const detail = errorMessage(e).replace(/\s+/g, ' ').slice(0, 120);
    throw new InvalidInputError(`${flag} ${path} is not valid JSON (${detail}).`, { cause: e });
  }
}

/**
 * Refuses a flag given with an empty value (`--steps ""`): only prompts may be
 * empty (an empty negative prompt is a real choice).
 */
export function refuseEmptyValues(values: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(values)) {
    if (value === '' && !name.endsWith('prompt')) throw new InvalidInputError(`--${name} needs a value.`);
  }
}
