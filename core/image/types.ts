/**
 * The two pixel types every image utility works on, and the checks that keep
 * them honest. Both are plain objects over typed arrays (no classes), so they
 * cross `postMessage` to a Worker untouched and an `ImageData` already is an
 * {@link RgbaImage}.
 */
import { InvalidInputError } from './errors';

/** An 8-bit RGBA image, row-major, 4 bytes per pixel, straight (not premultiplied) alpha: the layout of `ImageData`. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** Per-pixel coverage in [0, 1], row-major, 1 = repaint (white in a mask image), 0 = keep. */
export interface Mask {
  width: number;
  height: number;
  data: Float32Array;
}

/** An axis-aligned rectangle in pixels: `x`, `y` of the top-left corner, `width`/`height` in px. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A width and a height in px. */
export interface Size {
  width: number;
  height: number;
}

/**
 * Largest side accepted. Larger images do not fit one browser ArrayBuffer as
 * float tensors anyway, and a typo (e.g. 40960) should fail fast, not allocate.
 */
export const MAX_IMAGE_SIDE = 16384;

/** Throws {@link InvalidInputError} unless `width` x `height` is a usable image size (whole numbers, 1..16384). */
export function assertSize(width: number, height: number, what = 'The image'): void {
  for (const [name, v] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(v) || v < 1 || v > MAX_IMAGE_SIDE) {
      throw new InvalidInputError(`${what} ${name} must be a whole number of pixels from 1 to ${MAX_IMAGE_SIDE} (got ${v}).`);
    }
  }
}

/** A new image filled with one colour (default transparent black). */
export function createRgba(width: number, height: number, fill: readonly [number, number, number, number] = [0, 0, 0, 0]): RgbaImage {
  assertSize(width, height);
  const data = new Uint8ClampedArray(width * height * 4);
  if (fill[0] !== 0 || fill[1] !== 0 || fill[2] !== 0 || fill[3] !== 0) {
    for (let i = 0; i < data.length; i += 4) {
      data[i] = fill[0];
      data[i + 1] = fill[1];
      data[i + 2] = fill[2];
      data[i + 3] = fill[3];
    }
  }
  return { width, height, data };
}

/** A new mask with every pixel set to `value` (default 0: keep everything). */
export function createMask(width: number, height: number, value = 0): Mask {
  assertSize(width, height, 'The mask');
  const data = new Float32Array(width * height);
  if (value !== 0) data.fill(value);
  return { width, height, data };
}

/** A deep copy (the pixels are copied, not shared). */
export function cloneRgba(img: RgbaImage): RgbaImage {
  return { width: img.width, height: img.height, data: new Uint8ClampedArray(img.data) };
}

/** A deep copy (the coverage values are copied, not shared). */
export function cloneMask(mask: Mask): Mask {
  return { width: mask.width, height: mask.height, data: new Float32Array(mask.data) };
}

/**
 * Throws {@link InvalidInputError} unless `img` is a well-formed {@link RgbaImage}:
 * valid size and a `Uint8ClampedArray` of exactly `width * height * 4` bytes.
 * Plain `Uint8Array`s are refused on purpose: writes to them wrap instead of clamping.
 */
export function assertRgba(img: RgbaImage, what = 'The image'): void {
  if (img === null || typeof img !== 'object') throw new InvalidInputError(`${what} is missing.`);
  assertSize(img.width, img.height, what);
  if (!isTypedArray(img.data, 'Uint8ClampedArray')) {
    throw new InvalidInputError(`${what} must hold its pixels in a Uint8ClampedArray (RGBA, like ImageData).`);
  }
  if (img.data.length !== img.width * img.height * 4) {
    throw new InvalidInputError(
      `${what} is ${img.width}x${img.height} but holds ${img.data.length} bytes; RGBA needs ${img.width * img.height * 4}.`,
    );
  }
}

/** Throws {@link InvalidInputError} unless `mask` is a well-formed {@link Mask} (`Float32Array` of `width * height`). */
export function assertMask(mask: Mask, what = 'The mask'): void {
  if (mask === null || typeof mask !== 'object') throw new InvalidInputError(`${what} is missing.`);
  assertSize(mask.width, mask.height, what);
  if (!isTypedArray(mask.data, 'Float32Array')) {
    throw new InvalidInputError(`${what} must hold its coverage in a Float32Array.`);
  }
  if (mask.data.length !== mask.width * mask.height) {
    throw new InvalidInputError(
      `${what} is ${mask.width}x${mask.height} but holds ${mask.data.length} values; it needs ${mask.width * mask.height}.`,
    );
  }
}

/** Throws {@link InvalidInputError} unless `a` and `b` have the same width and height. */
export function assertSameSize(a: Size, b: Size, whatA = 'The image', whatB = 'the mask'): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new InvalidInputError(
      `${whatA} (${a.width}x${a.height}) and ${whatB} (${b.width}x${b.height}) must have the same size.`,
    );
  }
}

/**
 * `instanceof` fails for arrays made in another realm (an iframe such as a
 * Figma plugin UI, a vm context); the toStringTag of a typed array is the
 * same everywhere.
 */
function isTypedArray(x: unknown, tag: 'Uint8ClampedArray' | 'Float32Array'): boolean {
  return ArrayBuffer.isView(x) && (x as unknown as { [Symbol.toStringTag]: string })[Symbol.toStringTag] === tag;
}
