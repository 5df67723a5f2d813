/**
 * Resampling of images and masks to and from the model's working resolution.
 *
 * `bilinear` and `lanczos` follow Pillow's convolution resampler (the one
 * diffusers' `VaeImageProcessor.resize` calls): pixel centres at `i + 0.5`,
 * and when shrinking, the filter is stretched by the shrink factor so every
 * source pixel contributes (area-correct, no aliasing: a 4096 px image
 * reduced to 512 averages 8x8 blocks instead of sampling every 8th pixel).
 * Images with transparency are resampled in premultiplied alpha, as Pillow
 * does, so transparent pixels do not bleed their hidden colour.
 */
import { InvalidInputError } from './errors';
import { assertMask, assertRgba, assertSize, type Mask, type RgbaImage } from './types';

/** Resampling filter. `nearest` copies pixels (hard masks stay hard); `bilinear` is a triangle; `lanczos` is Lanczos-3 (sharpest). */
export type ResizeFilter = 'nearest' | 'bilinear' | 'lanczos';

interface FilterDef {
  support: number;
  f: (x: number) => number;
}

const FILTERS: Record<Exclude<ResizeFilter, 'nearest'>, FilterDef> = {
  bilinear: { support: 1, f: (x) => (x < 0 ? (x > -1 ? 1 + x : 0) : x < 1 ? 1 - x : 0) },
  lanczos: { support: 3, f: (x) => (x > -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0) },
};

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

/** Resizes an RGBA image to `width` x `height` (any ratio, up or down). */
export function resizeRgba(img: RgbaImage, width: number, height: number, filter: ResizeFilter = 'bilinear'): RgbaImage {
  assertRgba(img);
  assertSize(width, height, 'The resized image');
  checkFilter(filter);
  const { width: inW, height: inH, data } = img;
  if (inW === width && inH === height) return { width, height, data: new Uint8ClampedArray(data) };
  if (filter === 'nearest') return { width, height, data: nearestGather(data, 4, inW, inH, width, height, Uint8ClampedArray) };

  let opaque = true;
  for (let i = 3; i < data.length; i += 4) {
    if (data[i] !== 255) {
      opaque = false;
      break;
    }
  }
  const n = inW * inH;
  const out = new Uint8ClampedArray(width * height * 4);
  if (opaque) {
    // Alpha is constant 255: resample colour only and stay exact where weights are.
    const src = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      src[i * 3] = data[i * 4]!;
      src[i * 3 + 1] = data[i * 4 + 1]!;
      src[i * 3 + 2] = data[i * 4 + 2]!;
    }
    const res = resample(src, 3, inW, inH, width, height, FILTERS[filter]);
    for (let i = 0; i < width * height; i++) {
      out[i * 4] = Math.round(res[i * 3]!);
      out[i * 4 + 1] = Math.round(res[i * 3 + 1]!);
      out[i * 4 + 2] = Math.round(res[i * 3 + 2]!);
      out[i * 4 + 3] = 255;
    }
    return { width, height, data: out };
  }
  const src = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    const a = data[i * 4 + 3]! / 255;
    src[i * 4] = data[i * 4]! * a;
    src[i * 4 + 1] = data[i * 4 + 1]! * a;
    src[i * 4 + 2] = data[i * 4 + 2]! * a;
    src[i * 4 + 3] = data[i * 4 + 3]!;
  }
  const res = resample(src, 4, inW, inH, width, height, FILTERS[filter]);
  for (let i = 0; i < width * height; i++) {
    const a = Math.min(255, Math.max(0, res[i * 4 + 3]!));
    const alpha = Math.round(a);
    out[i * 4 + 3] = alpha;
    if (alpha === 0) continue; // colour of an invisible pixel: 0, as Pillow
    const k = 255 / a;
    out[i * 4] = Math.round(res[i * 4]! * k);
    out[i * 4 + 1] = Math.round(res[i * 4 + 1]! * k);
    out[i * 4 + 2] = Math.round(res[i * 4 + 2]! * k);
  }
  return { width, height, data: out };
}

/**
 * Resizes a mask. `bilinear`/`lanczos` give soft edges (coverage clamped to
 * [0, 1]); `nearest` keeps a hard mask hard.
 */
export function resizeMask(mask: Mask, width: number, height: number, filter: ResizeFilter = 'bilinear'): Mask {
  assertMask(mask);
  assertSize(width, height, 'The resized mask');
  checkFilter(filter);
  const { width: inW, height: inH, data } = mask;
  if (inW === width && inH === height) return { width, height, data: new Float32Array(data) };
  if (filter === 'nearest') return { width, height, data: nearestGather(data, 1, inW, inH, width, height, Float32Array) };
  const res = resample(data, 1, inW, inH, width, height, FILTERS[filter]);
  for (let i = 0; i < res.length; i++) {
    const v = res[i]!;
    res[i] = v > 0 ? (v < 1 ? v : 1) : 0;
  }
  return { width, height, data: res };
}

/**
 * The mask at latent size exactly as diffusers' inpaint pipeline makes it:
 * `torch.nn.functional.interpolate(mask, size=(h, w))` (mode `nearest`),
 * which reads source index `min(floor(dst * scale), in - 1)` with
 * `scale = in / out` and the product both computed in float32. Returns the
 * `latentH * latentW` values (row-major). Binarize the mask first, as
 * diffusers does; the values are copied as they are.
 */
export function nearestResizeMaskToLatent(mask: Mask, latentW: number, latentH: number): Float32Array {
  assertMask(mask);
  assertSize(latentW, latentH, 'The latent mask');
  const xs = torchNearestIndices(mask.width, latentW);
  const ys = torchNearestIndices(mask.height, latentH);
  const out = new Float32Array(latentW * latentH);
  for (let y = 0; y < latentH; y++) {
    const row = ys[y]! * mask.width;
    for (let x = 0; x < latentW; x++) out[y * latentW + x] = mask.data[row + xs[x]!]!;
  }
  return out;
}

/**
 * Source index of every output index for torch's `nearest` mode (ATen
 * `nearest_idx` / `compute_indices_weights_nearest`, float32 arithmetic).
 * `Math.fround` of a double quotient or product of float32 values equals the
 * float32 operation: double has more than 2 x 24 + 2 bits, so the double
 * rounding is innocuous.
 */
export function torchNearestIndices(inSize: number, outSize: number): Int32Array {
  const idx = new Int32Array(outSize);
  const scale = Math.fround(inSize / outSize);
  for (let i = 0; i < outSize; i++) idx[i] = Math.min(Math.floor(Math.fround(i * scale)), inSize - 1);
  return idx;
}

function checkFilter(filter: ResizeFilter): void {
  if (filter !== 'nearest' && filter !== 'bilinear' && filter !== 'lanczos') {
    throw new InvalidInputError(`Resize filter must be 'nearest', 'bilinear' or 'lanczos' (got '${String(filter)}').`);
  }
}

type TypedArrayCtor<T> = new (n: number) => T;

/** Nearest neighbour with pixel-centre mapping (Pillow's NEAREST): source `floor((i + 0.5) * in / out)`. */
function nearestGather<T extends Uint8ClampedArray | Float32Array>(
  src: T,
  channels: number,
  inW: number,
  inH: number,
  outW: number,
  outH: number,
  Ctor: TypedArrayCtor<T>,
): T {
  const xs = centreNearest(inW, outW);
  const ys = centreNearest(inH, outH);
  const out = new Ctor(outW * outH * channels);
  for (let y = 0; y < outH; y++) {
    const srow = ys[y]! * inW;
    for (let x = 0; x < outW; x++) {
      const s = (srow + xs[x]!) * channels;
      const d = (y * outW + x) * channels;
      for (let c = 0; c < channels; c++) out[d + c] = src[s + c]!;
    }
  }
  return out;
}

function centreNearest(inSize: number, outSize: number): Int32Array {
  const idx = new Int32Array(outSize);
  const scale = inSize / outSize;
  for (let i = 0; i < outSize; i++) idx[i] = Math.min(Math.floor((i + 0.5) * scale), inSize - 1);
  return idx;
}

/** Per output index: first source index, tap count, and `taps` weights each (zero-padded). */
interface Coeffs {
  start: Int32Array;
  count: Int32Array;
  taps: number;
  weights: Float64Array;
}

/** Pillow's `precompute_coeffs`: the filter stretched by the shrink factor, normalised per output pixel. */
function coefficients(inSize: number, outSize: number, def: FilterDef): Coeffs {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = def.support * filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * taps);
  const inv = 1 / filterScale;
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const lo = Math.max(Math.trunc(center - support + 0.5), 0);
    const hi = Math.min(Math.trunc(center + support + 0.5), inSize);
    const n = Math.min(hi - lo, taps);
    let total = 0;
    for (let k = 0; k < n; k++) {
      const w = def.f((k + lo - center + 0.5) * inv);
      weights[i * taps + k] = w;
      total += w;
    }
    if (total !== 0) for (let k = 0; k < n; k++) weights[i * taps + k] = weights[i * taps + k]! / total;
    start[i] = lo;
    count[i] = n;
  }
  return { start, count, taps, weights };
}

/** Separable convolution resample of an interleaved float image: horizontal pass, then vertical. */
function resample(src: Float32Array, ch: number, inW: number, inH: number, outW: number, outH: number, def: FilterDef): Float32Array {
  let cur = src;
  let curW = inW;
  if (outW !== inW) {
    const c = coefficients(inW, outW, def);
    const next = new Float32Array(outW * inH * ch);
    for (let y = 0; y < inH; y++) {
      const srow = y * inW * ch;
      const drow = y * outW * ch;
      for (let x = 0; x < outW; x++) {
        const s0 = srow + c.start[x]! * ch;
        const n = c.count[x]!;
        const wb = x * c.taps;
        for (let ci = 0; ci < ch; ci++) {
          let acc = 0;
          for (let k = 0; k < n; k++) acc += c.weights[wb + k]! * cur[s0 + k * ch + ci]!;
          next[drow + x * ch + ci] = acc;
        }
      }
    }
    cur = next;
    curW = outW;
  }
  if (outH !== inH) {
    const c = coefficients(inH, outH, def);
    const stride = curW * ch;
    const next = new Float32Array(outW * outH * ch);
    for (let y = 0; y < outH; y++) {
      const s0 = c.start[y]! * stride;
      const n = c.count[y]!;
      const wb = y * c.taps;
      const drow = y * stride;
      for (let k = 0; k < n; k++) {
        const w = c.weights[wb + k]!;
        const srow = s0 + k * stride;
        for (let i = 0; i < stride; i++) next[drow + i] = next[drow + i]! + w * cur[srow + i]!;
      }
    }
    cur = next;
  }
  // Both sizes equal cannot reach here (callers copy), but keep the contract: a fresh array.
  return cur === src ? new Float32Array(src) : cur;
}
