/**
 * Checks that a downloaded file holds what its name promises, as its bytes
 * stream in: a server that briefly answers `tokenizer/vocab.json` or a
 * `.onnx` file with an HTML page and status 200 must not leave a "complete"
 * cache entry that fails on every later load.
 *
 * - `.onnx`: the top-level protobuf framing of a ModelProto (every field
 *   well formed, the last one ending exactly at the end, a graph present),
 *   checked incrementally so a multi-GB file is never held in memory;
 * - `.json`: parses as JSON (an object); `tokenizer/vocab.json` maps tokens
 *   to ids;
 * - `tokenizer/merges.txt`: BPE merge lines, not a web page.
 *
 * Browser-safe.
 */

/** Fed a file's bytes in order; `finish` says what is wrong, or null when the file looks right. */
export interface ContentCheck {
  update(bytes: Uint8Array): void;
  finish(): string | null;
}

/** Text files larger than this are not parsed (no config or tokenizer file comes near it). */
const MAX_TEXT_BYTES = 64 * 1024 * 1024;

/** The check for a repo path, or undefined for files with no known shape (external weight data, ...). */
export function contentCheckFor(path: string): ContentCheck | undefined {
  if (path.endsWith('.onnx')) return new OnnxFraming();
  if (path.endsWith('.json')) return new TextCheck((text) => jsonProblem(path, text));
  if (path.endsWith('merges.txt')) return new TextCheck(mergesProblem);
  return undefined;
}

/** Checks a whole file at once (for bytes already in memory). */
export function checkContent(path: string, bytes: Uint8Array): string | null {
  const check = contentCheckFor(path);
  if (!check) return null;
  check.update(bytes);
  return check.finish();
}

class TextCheck implements ContentCheck {
  readonly #parts: Uint8Array[] = [];
  #length = 0;
  constructor(readonly problem: (text: string) => string | null) {}

  update(bytes: Uint8Array): void {
    this.#length += bytes.length;
    if (this.#length <= MAX_TEXT_BYTES) this.#parts.push(bytes.slice());
  }

  finish(): string | null {
    if (this.#length > MAX_TEXT_BYTES) return null;
    const all = new Uint8Array(this.#length);
    let at = 0;
    for (const p of this.#parts) {
      all.set(p, at);
      at += p.length;
    }
    const text = new TextDecoder('utf-8').decode(all);
    if (/^\s*<(!doctype|html|\?xml)/i.test(text)) return 'an HTML/XML page (an error page served with status 200?)';
    return this.problem(text);
  }
}

function jsonProblem(path: string, text: string): string | null {
  let value: unknown;
  try {
    // Python's json writes NaN and Infinity into some configs; they are the config parser's concern, not damage.
    value = JSON.parse(text.replace(/\bNaN\b|-?\bInfinity\b/g, 'null'));
  } catch (e) {
    return `not valid JSON (${(e as Error).message.replace(/\s+/g, ' ').slice(0, 80)})`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  if (path.endsWith('tokenizer/vocab.json')) {
    const entries = Object.entries(value);
    if (entries.length === 0 || !entries.every(([, id]) => Number.isInteger(id))) return 'not a CLIP vocabulary (token -> id)';
  }
  return null;
}

function mergesProblem(text: string): string | null {
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#version'));
  if (lines.length === 0) return 'an empty merges file';
  const bad = lines.slice(0, 100).find((l) => l.trim().split(' ').length !== 2);
  return bad === undefined ? null : `not BPE merges (line "${bad.slice(0, 40)}")`;
}

/**
 * Walks the top-level fields of a protobuf message as bytes arrive, keeping
 * only the state of the field in progress.
 */
class OnnxFraming implements ContentCheck {
  #offset = 0;
  /** Bytes still to skip in the current field's payload. */
  #skip = 0;
  /** Varint being read: its value so far and its shift. */
  #varint = 0;
  #shift = 0;
  /** What the next varint is: a field key, or a length-delimited field's length, or a varint field's value. */
  #reading: 'key' | 'length' | 'value' = 'key';
  #field = 0;
  #sawGraph = false;
  #problem: string | null = null;
  #first = true;

  update(bytes: Uint8Array): void {
    if (this.#problem) return;
    if (this.#first && bytes.length > 0) {
      this.#first = false;
      const head = new TextDecoder().decode(bytes.subarray(0, 64)).trimStart();
      if (/^<(!doctype|html|\?xml)/i.test(head)) return void (this.#problem = 'an HTML/XML page, not an ONNX model');
      if (head.startsWith('version https://git-lfs')) return void (this.#problem = 'a Git LFS pointer, not an ONNX model');
    }
    let i = 0;
    while (i < bytes.length) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, bytes.length - i);
        this.#skip -= n;
        i += n;
        this.#offset += n;
        if (this.#skip === 0) this.#reading = 'key';
        continue;
      }
      const b = bytes[i++]!;
      this.#offset++;
      // Varints of up to 10 bytes; values past 2^53 are framing errors for a file anyway.
      this.#varint += (b & 0x7f) * 2 ** this.#shift;
      this.#shift += 7;
      if (b & 0x80) {
        if (this.#shift > 63) return void (this.#problem = `a malformed varint at byte ${this.#offset}`);
        continue;
      }
      const v = this.#varint;
      this.#varint = 0;
      this.#shift = 0;
      if (this.#reading === 'key') {
        const wire = v % 8;
        this.#field = Math.floor(v / 8);
        if (this.#field === 0) return void (this.#problem = `field number 0 at byte ${this.#offset}`);
        if (wire === 0) this.#reading = 'value';
        else if (wire === 1) this.#skipBytes(8);
        else if (wire === 5) this.#skipBytes(4);
        else if (wire === 2) this.#reading = 'length';
        else return void (this.#problem = `wire type ${wire} at byte ${this.#offset}: not a protobuf ModelProto`);
      } else if (this.#reading === 'length') {
        if (this.#field === 7) this.#sawGraph = true;
        if (v === 0) this.#reading = 'key';
        else this.#skipBytes(v);
      } else {
        this.#reading = 'key';
      }
    }
  }

  #skipBytes(n: number): void {
    this.#skip = n;
    this.#reading = 'value';
  }

  finish(): string | null {
    if (this.#problem) return this.#problem;
    if (this.#offset === 0) return 'an empty file';
    if (this.#skip > 0 || this.#shift > 0 || this.#reading !== 'key') return `a truncated ONNX model (it ends inside a field at byte ${this.#offset})`;
    if (!this.#sawGraph) return 'not an ONNX model (no graph)';
    return null;
  }
}
