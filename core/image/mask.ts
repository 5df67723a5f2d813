/**
 * Masks from images, and the pointwise mask operations: binarize, invert,
 * emptiness, bounds. Shape operations live in `morphology.ts` (grow/shrink)
 * and `feather.ts` (blur).
 */
import { InvalidInputError } from './errors';
import { assertMask, assertRgba, type Mask, type Rect, type RgbaImage } from './types';

/**
 * Reads a mask from an image: white = repaint.
 *
 * - `'luminance'` (default): gray level / 255, computed from RGB exactly as
 *   PIL's `convert("L")` does (`(19595 R + 38470 G + 7471 B + 32768) >> 16`,
 *   i.e. ITU-R 601 `0.299 R + 0.587 G + 0.114 B` rounded to an 8-bit level),
 *   which is what diffusers' mask preprocessing applies. A gray PNG decoded to
 *   RGBA (R = G = B) gives exactly its gray level. Alpha is ignored, as in
 *   diffusers.
 * - `'alpha'`: alpha / 255, for masks drawn as opaque strokes on a
 *   transparent layer (Figma shapes, Photopea selections exported as a layer).
 */
export function maskFromImage(img: RgbaImage, source: 'luminance' | 'alpha' = 'luminance'): Mask {
  assertRgba(img, 'The mask image');
  const n = img.width * img.height;
  const out = new Float32Array(n);
  const d = img.data;
  if (source === 'alpha') {
    for (let i = 0; i < n; i++) out[i] = d[i * 4 + 3]! / 255;
  } else if (source === 'luminance') {
    for (let i = 0; i < n; i++) {
      const p = i * 4;
      const level = (d[p]! * 19595 + d[p + 1]! * 38470 + d[p + 2]! * 7471 + 0x8000) >>> 16;
      out[i] = level / 255;
    }
  } else {
    throw new InvalidInputError(`A mask is read from 'luminance' or 'alpha' (got '${String(source)}').`);
  }
  return { width: img.width, height: img.height, data: out };
}

/**
 * The mask as a gray RGBA image (coverage x 255, rounded; opaque): for
 * saving, previews and host layers.
 */
export function maskToImage(mask: Mask): RgbaImage {
  assertMask(mask);
  const n = mask.width * mask.height;
  const data = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    const v = Math.round(clamp01(mask.data[i]!) * 255);
    const p = i * 4;
    data[p] = v;
    data[p + 1] = v;
    data[p + 2] = v;
    data[p + 3] = 255;
  }
  return { width: mask.width, height: mask.height, data };
}

/**
 * Hard mask: 1 where coverage `>= threshold`, else 0. With the default 0.5
 * this is diffusers' `mask[mask < 0.5] = 0; mask[mask >= 0.5] = 1`.
 */
export function binarize(mask: Mask, threshold = 0.5): Mask {
  assertMask(mask);
  const out = new Float32Array(mask.data.length);
  for (let i = 0; i < out.length; i++) out[i] = mask.data[i]! >= threshold ? 1 : 0;
  return { width: mask.width, height: mask.height, data: out };
}

/** `1 - coverage`: repaint what was kept and keep what was repainted. */
export function invert(mask: Mask): Mask {
  assertMask(mask);
  const out = new Float32Array(mask.data.length);
  for (let i = 0; i < out.length; i++) out[i] = 1 - mask.data[i]!;
  return { width: mask.width, height: mask.height, data: out };
}

/**
 * True when nothing would be repainted: no coverage above `threshold`
 * (default 0: every pixel is exactly 0). Pass 0.5 to ask "is it empty once
 * binarized?".
 */
export function isEmpty(mask: Mask, threshold = 0): boolean {
  assertMask(mask);
  const d = mask.data;
  for (let i = 0; i < d.length; i++) if (d[i]! > threshold) return false;
  return true;
}

/**
 * True when everything would be repainted: every coverage `>= threshold`
 * (default 1: every pixel is exactly 1). Pass 0.5 to ask "is it full once
 * binarized?".
 */
export function isFull(mask: Mask, threshold = 1): boolean {
  assertMask(mask);
  const d = mask.data;
  for (let i = 0; i < d.length; i++) if (!(d[i]! >= threshold)) return false;
  return true;
}

/**
 * Bounding box of the pixels with coverage `> threshold` (default 0: every
 * pixel the mask touches at all), or `null` when there are none.
 */
export function maskBounds(mask: Mask, threshold = 0): Rect | null {
  assertMask(mask);
  const { width, height, data } = mask;
  let minX = width;
  let minY = height;
  let maxX = -1;
  let maxY = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let first = -1;
    for (let x = 0; x < width; x++) {
      if (data[row + x]! > threshold) {
        first = x;
        break;
      }
    }
    if (first < 0) continue;
    // Only rows with a hit need the scan from the right.
    let last = first;
    for (let x = width - 1; x > first; x--) {
      if (data[row + x]! > threshold) {
        last = x;
        break;
      }
    }
    if (first < minX) minX = first;
    if (last > maxX) maxX = last;
    if (y < minY) minY = y;
    maxY = y;
  }
  if (maxX < 0) return null;
  return { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 };
}

/** Coverage clamped to [0, 1] (NaN -> 0), for inputs that came from arithmetic. */
export function clampMask(mask: Mask): Mask {
  assertMask(mask);
  const out = new Float32Array(mask.data.length);
  for (let i = 0; i < out.length; i++) out[i] = clamp01(mask.data[i]!);
  return { width: mask.width, height: mask.height, data: out };
}

function clamp01(v: number): number {
  return v > 0 ? (v < 1 ? v : 1) : 0;
}
