/**
 * The few tensor reshuffles pipelines need, on row-major float32 data with
 * explicit dims (batch first). Each returns a new array and checks its
 * inputs: a silent size mismatch here would surface steps later as noise.
 */
import { InvalidInputError } from '../image/errors';
import { shapeSize } from './noise';

/**
 * `times` copies of the whole batch one after another: dims [B, ...] ->
 * [B * times, ...], order x0..x(B-1), x0..x(B-1), ... (torch `x.repeat(times, 1, 1, 1)`).
 */
export function repeatBatch(data: Float32Array, dims: readonly number[], times: number): Float32Array {
  checkDims(data, dims);
  if (!Number.isInteger(times) || times < 1) throw new InvalidInputError(`repeatBatch: times must be a whole number of at least 1 (got ${times}).`);
  const out = new Float32Array(data.length * times);
  for (let t = 0; t < times; t++) out.set(data, t * data.length);
  return out;
}

/**
 * Channel concatenation of two NCHW tensors with the same batch, height and
 * width: per image, `a`'s channels then `b`'s (torch `cat([a, b], dim=1)`).
 * Result dims: [B, Ca + Cb, H, W].
 */
export function concatChannels(a: Float32Array, dimsA: readonly number[], b: Float32Array, dimsB: readonly number[]): Float32Array {
  checkDims(a, dimsA, 4);
  checkDims(b, dimsB, 4);
  const [n, ca, h, w] = dimsA as [number, number, number, number];
  const [nb, cb, hb, wb] = dimsB as [number, number, number, number];
  if (n !== nb || h !== hb || w !== wb) {
    throw new InvalidInputError(`concatChannels: [${dimsA.join(', ')}] and [${dimsB.join(', ')}] differ outside the channel axis.`);
  }
  const plane = h * w;
  const out = new Float32Array(n * (ca + cb) * plane);
  for (let i = 0; i < n; i++) {
    const o = i * (ca + cb) * plane;
    out.set(a.subarray(i * ca * plane, (i + 1) * ca * plane), o);
    out.set(b.subarray(i * cb * plane, (i + 1) * cb * plane), o + ca * plane);
  }
  return out;
}

/** Batch concatenation: `a`'s items then `b`'s (torch `cat([a, b], dim=0)`). Result dims: [Ba + Bb, ...]. */
export function concatBatch(a: Float32Array, dimsA: readonly number[], b: Float32Array, dimsB: readonly number[]): Float32Array {
  checkDims(a, dimsA);
  checkDims(b, dimsB);
  if (dimsA.length !== dimsB.length || dimsA.some((d, i) => i > 0 && d !== dimsB[i])) {
    throw new InvalidInputError(`concatBatch: [${dimsA.join(', ')}] and [${dimsB.join(', ')}] differ outside the batch axis.`);
  }
  const out = new Float32Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Items `start` (inclusive) to `end` (exclusive) of the batch, copied. Result dims: [end - start, ...]. */
export function sliceBatch(data: Float32Array, dims: readonly number[], start: number, end: number): Float32Array {
  checkDims(data, dims);
  const batch = dims[0]!;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > batch || start >= end) {
    throw new InvalidInputError(`sliceBatch: [${start}, ${end}) is not a non-empty range of a batch of ${batch}.`);
  }
  const item = data.length / batch;
  return data.slice(start * item, end * item);
}

/** `data * k`, elementwise. */
export function scale(data: Float32Array, k: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! * k;
  return out;
}

/** `a + b`, elementwise (same length). */
export function add(a: Float32Array, b: Float32Array): Float32Array {
  sameLength(a, b, 'add');
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + b[i]!;
  return out;
}

/** `a + (b - a) * t`, elementwise (same length): exactly `a` at t = 0 and exactly `b` at t = 1. */
export function lerp(a: Float32Array, b: Float32Array, t: number): Float32Array {
  sameLength(a, b, 'lerp');
  const out = new Float32Array(a.length);
  if (t === 1) {
    out.set(b);
    return out;
  }
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + (b[i]! - a[i]!) * t;
  return out;
}

function sameLength(a: Float32Array, b: Float32Array, op: string): void {
  if (a.length !== b.length) throw new InvalidInputError(`${op}: tensors of ${a.length} and ${b.length} values.`);
}

function checkDims(data: Float32Array, dims: readonly number[], rank?: number): void {
  if (dims.length === 0 || (rank !== undefined && dims.length !== rank) || !dims.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new InvalidInputError(`Expected ${rank ?? 'at least 1'} positive dims (got [${dims.join(', ')}]).`);
  }
  if (shapeSize(dims) !== data.length) {
    throw new InvalidInputError(`Dims [${dims.join(', ')}] need ${shapeSize(dims)} values (got ${data.length}).`);
  }
}
