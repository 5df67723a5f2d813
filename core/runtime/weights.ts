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
import { fields, fieldString, ONNX_ELEMENT_TYPES, packedVarints, ProtoError, stringEntry } from '../models/onnx-proto';

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
  try {
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
  } catch (error) {
    // Malformed framing: profile what was readable (loading the model reports the corruption, naming the file).
    if (!(error instanceof ProtoError)) throw error;
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
      dims.push(...packedVarints(buf, f));
    } else if (f.no === 2 && f.wire === 0) type = f.value;
    else if (f.no === 8 && f.wire === 2) name = fieldString(buf, f);
    else if (f.no === 9 && f.wire === 2) rawBytes = f.end - f.start;
    else if (f.no === 13 && f.wire === 2) {
      const { key, value } = stringEntry(buf, f);
      if (key === 'length') externalLength = Number(value) || undefined;
    }
  }
  const elem = ONNX_ELEMENT_TYPES[type];
  if (!elem || elem.bytes === 0) return undefined;
  const count = dims.reduce((a, b) => a * b, 1);
  return { name, type: elem.name, bytes: rawBytes ?? externalLength ?? count * elem.bytes };
}
