/**
 * What a model's weights need from a GPU: their float type (float16 needs
 * WebGPU's `shader-f16`) and the size of the largest one (it must fit one
 * GPU buffer and one storage binding). Read from the ONNX file's initializer
 * headers (type and dims) without decoding any weight, so it costs a walk of
 * the protobuf framing: microseconds per tensor.
 *
 * Browser-safe: no Node APIs in this file.
 */
import type { ComponentFiles } from '../models';

/** Bytes per element of ONNX `TensorProto.DataType`s. */
const ELEM: Record<number, { name: string; bytes: number }> = {
  1: { name: 'float32', bytes: 4 },
  2: { name: 'uint8', bytes: 1 },
  3: { name: 'int8', bytes: 1 },
  4: { name: 'uint16', bytes: 2 },
  5: { name: 'int16', bytes: 2 },
  6: { name: 'int32', bytes: 4 },
  7: { name: 'int64', bytes: 8 },
  9: { name: 'bool', bytes: 1 },
  10: { name: 'float16', bytes: 2 },
  11: { name: 'float64', bytes: 8 },
  12: { name: 'uint32', bytes: 4 },
  13: { name: 'uint64', bytes: 8 },
  16: { name: 'bfloat16', bytes: 2 },
};

/** What {@link profileWeights} found. */
export interface WeightProfile {
  /** Bytes of all initializers. */
  totalBytes: number;
  /** Bytes of the largest initializer, and its name. */
  largestBytes: number;
  largestName: string;
  /** Bytes per element type (`float32`, `float16`, ...). */
  bytesByType: Record<string, number>;
  /** The float type most weight bytes are in (`float16` means the GPU needs `shader-f16`). */
  floatType: 'float32' | 'float16' | 'none';
}

/**
 * Profiles a component's weights: every `GraphProto.initializer`, inline or in
 * external data. Uses the bytes {@link ComponentFiles} already holds; reads
 * nothing else.
 */
export function profileWeights(files: Pick<ComponentFiles, 'model'>): WeightProfile {
  const buf = files.model;
  const profile: WeightProfile = { totalBytes: 0, largestBytes: 0, largestName: '', bytesByType: {}, floatType: 'none' };
  const graph = [...fields(buf, 0, buf.length)].find((f) => f.no === 7 && f.wire === 2);
  if (!graph) return profile;
  for (const f of fields(buf, graph.start, graph.end)) {
    if (f.no !== 5 || f.wire !== 2) continue;
    const t = tensorHeader(buf, f.start, f.end);
    if (!t) continue;
    profile.totalBytes += t.bytes;
    profile.bytesByType[t.type] = (profile.bytesByType[t.type] ?? 0) + t.bytes;
    if (t.bytes > profile.largestBytes) {
      profile.largestBytes = t.bytes;
      profile.largestName = t.name;
    }
  }
  const f16 = (profile.bytesByType['float16'] ?? 0) + (profile.bytesByType['bfloat16'] ?? 0);
  const f32 = profile.bytesByType['float32'] ?? 0;
  profile.floatType = f16 === 0 && f32 === 0 ? 'none' : f16 > f32 ? 'float16' : 'float32';
  return profile;
}

function tensorHeader(buf: Uint8Array, start: number, end: number): { name: string; type: string; bytes: number } | undefined {
  const dims: number[] = [];
  let type = 0;
  let name = '';
  let rawBytes: number | undefined;
  let externalLength: number | undefined;
  for (const f of fields(buf, start, end)) {
    if (f.no === 1 && f.wire === 0) dims.push(f.value);
    else if (f.no === 1 && f.wire === 2) {
      for (let pos = f.start; pos < f.end; ) {
        const [v, next] = varint(buf, pos, f.end);
        dims.push(v);
        pos = next;
      }
    } else if (f.no === 2 && f.wire === 0) type = f.value;
    else if (f.no === 8 && f.wire === 2) name = new TextDecoder().decode(buf.subarray(f.start, f.end));
    else if (f.no === 9 && f.wire === 2) rawBytes = f.end - f.start;
    else if (f.no === 13 && f.wire === 2) {
      let key = '';
      let value = '';
      for (const kv of fields(buf, f.start, f.end)) {
        if (kv.no === 1 && kv.wire === 2) key = new TextDecoder().decode(buf.subarray(kv.start, kv.end));
        if (kv.no === 2 && kv.wire === 2) value = new TextDecoder().decode(buf.subarray(kv.start, kv.end));
      }
      if (key === 'length') externalLength = Number(value) || undefined;
    }
  }
  const elem = ELEM[type];
  if (!elem) return undefined;
  const count = dims.reduce((a, b) => a * b, 1);
  return { name, type: elem.name, bytes: rawBytes ?? externalLength ?? count * elem.bytes };
}

interface Field {
  no: number;
  wire: number;
  value: number;
  start: number;
  end: number;
}

function varint(buf: Uint8Array, pos: number, end: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10 && pos < end; i++) {
    const b = buf[pos++]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return [value, pos];
    scale *= 128;
  }
  return [value, end];
}

/** Protobuf fields of `buf[start, end)`; stops quietly at malformed data (the loader reports corruption). */
function* fields(buf: Uint8Array, start: number, end: number): Generator<Field> {
  let pos = start;
  while (pos < end) {
    const [tag, afterTag] = varint(buf, pos, end);
    pos = afterTag;
    const no = Math.floor(tag / 8);
    const wire = tag % 8;
    if (no === 0) return;
    if (wire === 0) {
      const [value, next] = varint(buf, pos, end);
      yield { no, wire, value, start: pos, end: next };
      pos = next;
    } else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      yield { no, wire, value: 0, start: pos, end: Math.min(pos + size, end) };
      pos += size;
    } else if (wire === 2) {
      const [len, next] = varint(buf, pos, end);
      if (next + len > end) return;
      yield { no, wire, value: len, start: next, end: next + len };
      pos = next + len;
    } else {
      return;
    }
  }
}
