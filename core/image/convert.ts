/**
 * Pixels <-> model tensors, with the exact float32 arithmetic and rounding of
 * diffusers' `VaeImageProcessor`, so that 8-bit results match its PNGs
 * byte for byte:
 *
 * - in:  `np.array(img).astype(float32) / 255`, then `2 * x - 1`, NCHW;
 * - out: `(x / 2 + 0.5).clamp(0, 1)` (float32, NCHW -> NHWC), then
 *   `(x * 255).round()` with NumPy's round-half-to-even.
 *
 * `Math.fround` of a double result of float32 operands equals the float32
 * operation for + - * / (double has more than 2 x 24 + 2 bits: the double
 * rounding is innocuous), which is how the float32 steps are reproduced.
 */
import { InvalidInputError } from './errors';
import { assertMask, assertRgba, type Mask, type RgbaImage } from './types';

/** `x / 255 * 2 - 1` in float32 for every 8-bit value, as diffusers' preprocess computes it. */
const TO_SIGNED = (() => {
  const t = new Float32Array(256);
  for (let v = 0; v < 256; v++) t[v] = Math.fround(Math.fround(v / 255) * 2 - 1);
  return t;
})();

/**
 * RGB of an image as a `[1, 3, H, W]` float32 tensor in [-1, 1] (VAE encoder
 * input). Alpha is dropped, as PIL's `convert("RGB")` drops it: flatten a
 * transparent image onto a background first if that matters.
 */
export function rgbaToNchw(img: RgbaImage): Float32Array {
  assertRgba(img);
  const plane = img.width * img.height;
  const out = new Float32Array(plane * 3);
  const d = img.data;
  for (let i = 0; i < plane; i++) {
    out[i] = TO_SIGNED[d[i * 4]!]!;
    out[plane + i] = TO_SIGNED[d[i * 4 + 1]!]!;
    out[2 * plane + i] = TO_SIGNED[d[i * 4 + 2]!]!;
  }
  return out;
}

/**
 * diffusers' `masked_image = image * (mask < 0.5)` on a `[1, 3, H, W]` tensor:
 * pixels to repaint become 0 (mid gray in [-1, 1], not black).
 */
export function maskedImageNchw(pixels: Float32Array, mask: Mask): Float32Array {
  assertMask(mask);
  const plane = mask.width * mask.height;
  if (pixels.length % plane !== 0) {
    throw new InvalidInputError(`The pixel tensor (${pixels.length} values) does not match the ${mask.width}x${mask.height} mask.`);
  }
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = mask.data[i % plane]! < 0.5 ? pixels[i]! : 0;
  return out;
}

/** The mask as a `[1, 1, H, W]` float32 tensor (a copy of the coverage). */
export function maskToNchw(mask: Mask): Float32Array {
  assertMask(mask);
  return new Float32Array(mask.data);
}

/**
 * One image of a VAE decoder output `[B, 3, H, W]` (pixels about [-1, 1])
 * as 8-bit RGBA (opaque), quantised exactly like diffusers'
 * `postprocess` + `numpy_to_pil`.
 */
export function nchwToRgba(data: Float32Array, dims: readonly number[], index = 0): RgbaImage {
  const [b, c, h, w] = checkDims(data, dims, 'NCHW');
  if (c !== 3) throw new InvalidInputError(`An image tensor has 3 channels (got ${c}).`);
  checkIndex(index, b);
  const plane = h * w;
  const base = index * 3 * plane;
  const out = new Uint8ClampedArray(plane * 4);
  for (let i = 0; i < plane; i++) {
    out[i * 4] = quantize(denormalize(data[base + i]!));
    out[i * 4 + 1] = quantize(denormalize(data[base + plane + i]!));
    out[i * 4 + 2] = quantize(denormalize(data[base + 2 * plane + i]!));
    out[i * 4 + 3] = 255;
  }
  return { width: w, height: h, data: out };
}

/**
 * A VAE decoder output `[B, 3, H, W]` as `clamp(x / 2 + 0.5, 0, 1)` in NHWC
 * `[B, H, W, 3]` float32: diffusers' `output_type="np"` image, the layout of
 * the fixtures' `output.bin`.
 */
export function nchwToNhwc01(data: Float32Array, dims: readonly number[]): Float32Array {
  const [b, c, h, w] = checkDims(data, dims, 'NCHW');
  if (c !== 3) throw new InvalidInputError(`An image tensor has 3 channels (got ${c}).`);
  const plane = h * w;
  const out = new Float32Array(data.length);
  for (let n = 0; n < b; n++) {
    const src = n * 3 * plane;
    for (let i = 0; i < plane; i++) {
      const dst = (n * plane + i) * 3;
      out[dst] = denormalize(data[src + i]!);
      out[dst + 1] = denormalize(data[src + plane + i]!);
      out[dst + 2] = denormalize(data[src + 2 * plane + i]!);
    }
  }
  return out;
}

/**
 * One image of an NHWC `[B, H, W, 3]` tensor in [0, 1] as 8-bit RGBA
 * (opaque): `round(x * 255)` half to even, as NumPy rounds in diffusers'
 * `numpy_to_pil`. Values outside [0, 1] are clamped.
 *
 * Call it with the tensor's dims and an image index, or with `width, height`
 * for a single `[H, W, 3]` image.
 */
export function nhwc01ToRgba(data: Float32Array, dims: readonly number[], index?: number): RgbaImage;
export function nhwc01ToRgba(data: Float32Array, width: number, height: number): RgbaImage;
export function nhwc01ToRgba(data: Float32Array, dimsOrWidth: readonly number[] | number, indexOrHeight?: number): RgbaImage {
  const single = typeof dimsOrWidth === 'number';
  const dims = single ? [1, indexOrHeight ?? NaN, dimsOrWidth, 3] : dimsOrWidth;
  const index = single ? 0 : (indexOrHeight ?? 0);
  const [b, h, w, c] = checkDims(data, dims, 'NHWC');
  if (c !== 3) throw new InvalidInputError(`An NHWC image tensor has 3 channels (got ${c}).`);
  checkIndex(index, b);
  const plane = h * w;
  const base = index * plane * 3;
  const out = new Uint8ClampedArray(plane * 4);
  for (let i = 0; i < plane; i++) {
    out[i * 4] = quantize(data[base + i * 3]!);
    out[i * 4 + 1] = quantize(data[base + i * 3 + 1]!);
    out[i * 4 + 2] = quantize(data[base + i * 3 + 2]!);
    out[i * 4 + 3] = 255;
  }
  return { width: w, height: h, data: out };
}

/** `clamp(x / 2 + 0.5, 0, 1)` in float32 (x / 2 is exact). */
function denormalize(x: number): number {
  const v = Math.fround(x / 2 + 0.5);
  return v > 0 ? (v < 1 ? v : 1) : 0; // NaN -> 0
}

/** `round_half_even(float32(x * 255))` clamped to 0..255. */
function quantize(x: number): number {
  const v = Math.fround(x * 255);
  if (!(v > 0)) return 0;
  if (v >= 255) return 255;
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

function checkDims(data: Float32Array, dims: readonly number[], layout: string): [number, number, number, number] {
  if (dims.length !== 4 || !dims.every((d) => Number.isInteger(d) && d > 0)) {
    throw new InvalidInputError(`Expected ${layout} dims [4 positive integers] (got [${dims.join(', ')}]).`);
  }
  const [a, b, c, d] = dims as [number, number, number, number];
  if (a * b * c * d !== data.length) {
    throw new InvalidInputError(`A ${layout} tensor of dims [${dims.join(', ')}] has ${a * b * c * d} values (got ${data.length}).`);
  }
  return [a, b, c, d];
}

function checkIndex(index: number, batch: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= batch) {
    throw new InvalidInputError(`Image index ${index} is outside the batch of ${batch}.`);
  }
}

