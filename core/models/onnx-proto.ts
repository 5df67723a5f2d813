/**
 * ONNX files' protobuf, read in place: the wire format and ONNX's element
 * types, enough to walk a model's framing without decoding weights or
 * depending on a protobuf library.
 * `onnx-graph.ts` (signature, truncation check) and `runtime/weights.ts`
 * (weight sizes for the GPU check) both read models through it.
 *
 * Browser-safe: no Node APIs in this file.
 */

/** The bytes are not well-formed protobuf (cut off or corrupt); the message says where. */
export class ProtoError extends Error {}

/** One protobuf field: `value` for varint/fixed fields, `[start, end)` for length-delimited ones. */
export interface ProtoField {
  /** Field number. */
  no: number;
  /** Wire type: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32. */
  wire: number;
  value: number;
  start: number;
  end: number;
  /** Where the field's tag starts (`[tagStart, end)` is the whole encoded field: what a model editor copies verbatim). */
  tagStart: number;
}

/**
 * Reads a varint at `pos` (up to 64 bits, as a double; negative int64 wrap
 * back to negative).
 *
 * @throws {ProtoError} when it runs past `end` or is longer than 10 bytes.
 */
export function readVarint(buf: Uint8Array, pos: number, end: number): [value: number, next: number] {
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

/**
 * The fields of the message in `buf[start, end)`, checking that each one fits.
 *
 * @throws {ProtoError} at the first field that is cut off or malformed.
 */
export function* fields(buf: Uint8Array, start: number, end: number): Generator<ProtoField> {
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

/** The varints of a packed repeated field (e.g. `TensorProto.dims` written packed). */
export function packedVarints(buf: Uint8Array, field: ProtoField): number[] {
  const values: number[] = [];
  for (let pos = field.start; pos < field.end; ) {
    const [value, next] = readVarint(buf, pos, field.end);
    values.push(value);
    pos = next;
  }
  return values;
}

const utf8 = new TextDecoder('utf-8');

/** A length-delimited field as UTF-8 text. */
export function fieldString(buf: Uint8Array, field: ProtoField): string {
  return utf8.decode(buf.subarray(field.start, field.end));
}

/** The `key` and `value` of a `StringStringEntryProto` (ONNX's external-data entries). */
export function stringEntry(buf: Uint8Array, field: ProtoField): { key: string; value: string } {
  let key = '';
  let value = '';
  for (const kv of fields(buf, field.start, field.end)) {
    if (kv.no === 1 && kv.wire === 2) key = fieldString(buf, kv);
    if (kv.no === 2 && kv.wire === 2) value = fieldString(buf, kv);
  }
  return { key, value };
}

/** ONNX `TensorProto.DataType`: ORT JS type name and bytes per element (0: not fixed-size). */
export const ONNX_ELEMENT_TYPES: Readonly<Record<number, { readonly name: string; readonly bytes: number }>> = {
  1: { name: 'float32', bytes: 4 },
  2: { name: 'uint8', bytes: 1 },
  3: { name: 'int8', bytes: 1 },
  4: { name: 'uint16', bytes: 2 },
  5: { name: 'int16', bytes: 2 },
  6: { name: 'int32', bytes: 4 },
  7: { name: 'int64', bytes: 8 },
  8: { name: 'string', bytes: 0 },
  9: { name: 'bool', bytes: 1 },
  10: { name: 'float16', bytes: 2 },
  11: { name: 'float64', bytes: 8 },
  12: { name: 'uint32', bytes: 4 },
  13: { name: 'uint64', bytes: 8 },
  16: { name: 'bfloat16', bytes: 2 },
};
