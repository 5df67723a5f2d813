/**
 * A cheap, dependency-free look inside an ONNX file (a protobuf `ModelProto`)
 * before handing it to ONNX Runtime.
 *
 * Why: ORT reports a truncated or corrupt download only as "protobuf parsing
 * failed", without naming the file, and a half-downloaded cache entry is the
 * most common way a browser model breaks. Walking the protobuf framing (every
 * length prefix must fit in the file) catches truncation in microseconds per
 * field without decoding any weights. The same walk yields the graph's
 * input/output signature (to check configs against the graph without an ORT
 * session) and the external-data files the graph refers to (so they are
 * loaded by the name written in the model, whatever it is: `model.onnx_data`,
 * `weights.pb`, ...).
 *
 * Browser-safe: no Node APIs in this file.
 */
import { ModelFormatError } from '../errors';

/** One graph input or output, as declared in the ONNX file. */
export interface OnnxValueInfo {
  readonly name: string;
  /** Element type in ONNX Runtime JS spelling (`float32`, `float16`, `int64`, ...); `undefined` for non-tensors. */
  readonly type: string | undefined;
  /**
   * Declared dims: a number (fixed), a string (symbolic, e.g. `batch_size`) or
   * `null` (unnamed unknown dim). `undefined` when the file declares no shape
   * at all, which ORT's metadata cannot tell apart from rank 0.
   */
  readonly shape: readonly (number | string | null)[] | undefined;
}

/** An external-data file a graph refers to, and how many bytes of it the graph reads. */
export interface OnnxExternalDataRef {
  /** `location` exactly as written in the model (ORT needs this spelling). */
  readonly location: string;
  /** Largest `offset + length` among the tensors stored there; 0 when the lengths are not written. */
  readonly minBytes: number;
}

/** What {@link inspectOnnxModel} found. */
export interface OnnxModelInfo {
  readonly irVersion: number | undefined;
  /** Version of the default (`ai.onnx`) opset. */
  readonly opsetVersion: number | undefined;
  /** Graph inputs, without initializers that old exporters also listed as inputs. */
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  readonly externalData: readonly OnnxExternalDataRef[];
}

/** ONNX `TensorProto.DataType` -> ORT JS type names. */
const ELEM_TYPES: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  16: 'bfloat16',
};

/** Malformed protobuf framing (shared with the model editor, `onnx-edit.ts`). */
export class ProtoError extends Error {}

/** One protobuf field: `value` for varint/fixed fields, `[start, end)` for length-delimited ones. */
export interface Field {
  no: number;
  wire: number;
  value: number;
  start: number;
  end: number;
  /** Where the field's tag starts (`[tagStart, end)` is the whole encoded field). */
  tagStart: number;
}

/** Reads a varint at `pos` (up to 64 bits, as a double; negative int64 wrap back to negative). */
function readVarint(buf: Uint8Array, pos: number, end: number): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new ProtoError(`a number is cut off at byte ${pos}`);
    const b = buf[pos++]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return [value >= 2 ** 63 ? value - 2 ** 64 : value, pos];
    scale *= 128;
  }
  throw new ProtoError(`malformed number at byte ${pos}`);
}

/** The fields of the message in `buf[start, end)`, checking that each one fits. */
export function* fields(buf: Uint8Array, start: number, end: number): Generator<Field> {
  let pos = start;
  while (pos < end) {
    const tagAt = pos;
    const [tag, afterTag] = readVarint(buf, pos, end);
    pos = afterTag;
    const no = Math.floor(tag / 8);
    const wire = tag % 8;
    if (no === 0) throw new ProtoError(`invalid field number at byte ${tagAt}`);
    switch (wire) {
      case 0: {
        const [value, next] = readVarint(buf, pos, end);
        yield { no, wire, value, start: pos, end: next, tagStart: tagAt };
        pos = next;
        break;
      }
      case 1:
      case 5: {
        const size = wire === 1 ? 8 : 4;
        if (pos + size > end) throw new ProtoError(`a value is cut off at byte ${pos}`);
        yield { no, wire, value: 0, start: pos, end: pos + size, tagStart: tagAt };
        pos += size;
        break;
      }
      case 2: {
        const [len, next] = readVarint(buf, pos, end);
        if (len < 0 || next + len > end) {
          throw new ProtoError(`a ${len}-byte block at byte ${next} runs past the end (${end})`);
        }
        yield { no, wire, value: len, start: next, end: next + len, tagStart: tagAt };
        pos = next + len;
        break;
      }
      default:
        throw new ProtoError(`invalid protobuf wire type ${wire} at byte ${tagAt}`);
    }
  }
}

const utf8 = new TextDecoder('utf-8');
const str = (buf: Uint8Array, f: Field): string => utf8.decode(buf.subarray(f.start, f.end));

function parseValueInfo(buf: Uint8Array, f: Field): OnnxValueInfo {
  let name = '';
  let type: string | undefined;
  let shape: (number | string | null)[] | undefined;
  for (const vf of fields(buf, f.start, f.end)) {
    if (vf.no === 1 && vf.wire === 2) name = str(buf, vf);
    if (vf.no !== 2 || vf.wire !== 2) continue; // TypeProto
    for (const tf of fields(buf, vf.start, vf.end)) {
      if (tf.no !== 1 || tf.wire !== 2) continue; // TypeProto.Tensor (other kinds: not a tensor)
      type = 'unknown';
      for (const tt of fields(buf, tf.start, tf.end)) {
        if (tt.no === 1 && tt.wire === 0) type = ELEM_TYPES[tt.value] ?? `onnx-type-${tt.value}`;
        if (tt.no === 2 && tt.wire === 2) {
          shape = [];
          for (const dim of fields(buf, tt.start, tt.end)) {
            if (dim.no !== 1 || dim.wire !== 2) continue;
            let d: number | string | null = null;
            for (const df of fields(buf, dim.start, dim.end)) {
              if (df.no === 1 && df.wire === 0) d = df.value;
              if (df.no === 2 && df.wire === 2) d = str(buf, df);
            }
            shape.push(d);
          }
        }
      }
    }
  }
  return { name, type, shape };
}

/** Notes the external-data file of one `TensorProto`, if it has one. */
function scanTensor(buf: Uint8Array, f: Field, refs: Map<string, number>, names?: Set<string>): void {
  let external = false;
  let location: string | undefined;
  let offset = 0;
  let length = 0;
  for (const tf of fields(buf, f.start, f.end)) {
    if (tf.no === 8 && tf.wire === 2 && names) names.add(str(buf, tf));
    if (tf.no === 14 && tf.wire === 0) external = tf.value === 1; // data_location EXTERNAL
    if (tf.no === 13 && tf.wire === 2) {
      let key = '';
      let value = '';
      for (const kv of fields(buf, tf.start, tf.end)) {
        if (kv.no === 1 && kv.wire === 2) key = str(buf, kv);
        if (kv.no === 2 && kv.wire === 2) value = str(buf, kv);
      }
      if (key === 'location') location = value;
      else if (key === 'offset') offset = Number(value) || 0;
      else if (key === 'length') length = Number(value) || 0;
    }
  }
  if (external && location !== undefined) {
    refs.set(location, Math.max(refs.get(location) ?? 0, length > 0 ? offset + length : 0));
  }
}

/**
 * Walks an ONNX file's protobuf framing and reads its signature.
 *
 * @param file repo path used in errors, e.g. `unet/model.onnx`.
 * @throws {ModelFormatError} naming `file` when the bytes are not a complete
 *   ONNX model (truncated download, HTML error page, Git LFS pointer, ...).
 */
export function inspectOnnxModel(bytes: Uint8Array, file: string): OnnxModelInfo {
  const expected = 'a complete ONNX model (protobuf ModelProto)';
  const head = utf8.decode(bytes.subarray(0, 64)).trimStart();
  if (bytes.length === 0) throw new ModelFormatError(file, expected, 'the file is empty');
  if (head.startsWith('version https://git-lfs')) {
    throw new ModelFormatError(file, expected, 'the file is a Git LFS pointer: fetch the real file with `git lfs pull`');
  }
  if (/^<(!doctype|html|\?xml)/i.test(head)) {
    throw new ModelFormatError(file, expected, 'the file is an HTML/XML page, probably an error page served instead of the model');
  }
  try {
    let irVersion: number | undefined;
    let opsetVersion: number | undefined;
    let graph: Field | undefined;
    for (const f of fields(bytes, 0, bytes.length)) {
      if (f.no === 1 && f.wire === 0) irVersion = f.value;
      if (f.no === 7 && f.wire === 2) graph = f;
      if (f.no === 8 && f.wire === 2) {
        let domain = '';
        let version: number | undefined;
        for (const op of fields(bytes, f.start, f.end)) {
          if (op.no === 1 && op.wire === 2) domain = str(bytes, op);
          if (op.no === 2 && op.wire === 0) version = op.value;
        }
        if (domain === '' || domain === 'ai.onnx') opsetVersion = version;
      }
    }
    if (!graph) throw new ProtoError('the file has no graph');

    const inputs: OnnxValueInfo[] = [];
    const outputs: OnnxValueInfo[] = [];
    const initializerNames = new Set<string>();
    const refs = new Map<string, number>();
    for (const f of fields(bytes, graph.start, graph.end)) {
      if (f.wire !== 2) continue;
      if (f.no === 11) inputs.push(parseValueInfo(bytes, f));
      else if (f.no === 12) outputs.push(parseValueInfo(bytes, f));
      else if (f.no === 5) scanTensor(bytes, f, refs, initializerNames);
      else if (f.no === 1) {
        // Constant nodes can hold external tensors too (NodeProto.attribute = 5, AttributeProto.t = 5).
        for (const nf of fields(bytes, f.start, f.end)) {
          if (nf.no !== 5 || nf.wire !== 2) continue;
          for (const af of fields(bytes, nf.start, nf.end)) {
            if (af.no === 5 && af.wire === 2) scanTensor(bytes, af, refs);
          }
        }
      }
    }
    return {
      irVersion,
      opsetVersion,
      inputs: inputs.filter((i) => !initializerNames.has(i.name)),
      outputs,
      externalData: [...refs].map(([location, minBytes]) => ({ location, minBytes })),
    };
  } catch (error) {
    if (!(error instanceof ProtoError)) throw error;
    throw new ModelFormatError(
      file,
      expected,
      `${error.message}; the file is truncated or corrupt (${bytes.length} bytes): download it again`,
      { cause: error },
    );
  }
}
