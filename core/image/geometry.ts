/**
 * Sizes and rectangles: the model's working resolution for an input of any
 * size, the context box of "only masked" editing, and crop / paste.
 */
import { InvalidInputError } from './errors';
import { assertMask, assertRgba, type Mask, type Rect, type RgbaImage, type Size } from './types';

/** Options of {@link workingSize}. */
export interface WorkingSizeOptions {
  /** Both sides become multiples of this (8 x the UNet's downsampling: 16 for the fixtures, 64 for SD 1.x). */
  multiple: number;
  /** Area cap in pixels, e.g. `512 * 512`. Larger inputs are scaled down to fit; it wins over `minSide`. */
  maxPixels?: number;
  /** Inputs whose shorter side is below this are scaled up until it reaches it (models degrade far below their training size). */
  minSide?: number;
  /** Scale up (or down) to fill `maxPixels`: for a small "only masked" crop, which should get the model's full resolution. */
  upscale?: boolean;
}

/** Result of {@link workingSize}. */
export interface WorkingSize {
  width: number;
  height: number;
  /**
   * The uniform scale chosen before rounding to the multiple. The exact
   * per-axis factors are `width / inputWidth` and `height / inputHeight`
   * (they differ slightly: rounding bends the aspect ratio a little, which
   * resizing the result back to the input's size undoes).
   */
  scale: number;
}

/**
 * The model resolution for an input of `width` x `height`: aspect ratio
 * kept, area at most `maxPixels`, each side rounded to the nearest multiple
 * of `multiple` (never below one multiple). When rounding to nearest would
 * break the cap, a side is rounded down instead (the one that keeps the
 * aspect ratio best), then both.
 *
 * @example workingSize(1000, 750, { multiple: 64, maxPixels: 512 * 512 }) // { width: 576, height: 448, scale: 0.5912 }
 */
export function workingSize(width: number, height: number, opts: WorkingSizeOptions): WorkingSize {
  const { multiple: m, maxPixels, minSide, upscale = false } = opts;
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
    throw new InvalidInputError(`Image sizes are whole numbers of pixels above 0 (got ${width}x${height}).`);
  }
  if (!(Number.isInteger(m) && m >= 1)) throw new InvalidInputError(`The size multiple must be a whole number of at least 1 (got ${m}).`);
  if (maxPixels !== undefined && !(maxPixels >= m * m)) {
    throw new InvalidInputError(`The working area cap must be at least ${m}x${m} pixels (got ${maxPixels}).`);
  }
  if (minSide !== undefined && !(minSide >= 0 && Number.isFinite(minSide))) {
    throw new InvalidInputError(`The minimum side must be 0 px or more (got ${minSide}).`);
  }
  const area = width * height;
  const capScale = maxPixels === undefined ? Infinity : Math.sqrt(maxPixels / area);
  let scale = upscale && maxPixels !== undefined ? capScale : Math.min(1, capScale);
  if (minSide !== undefined) scale = Math.min(Math.max(scale, minSide / Math.min(width, height)), capScale);

  const fw = width * scale;
  const fh = height * scale;
  const near = (v: number): number => Math.max(m, Math.round(v / m) * m);
  const down = (v: number): number => Math.max(m, Math.floor(v / m) * m);
  let w = near(fw);
  let h = near(fh);
  if (maxPixels !== undefined && w * h > maxPixels) {
    const target = Math.log(width / height);
    const fits = [
      [down(fw), h],
      [w, down(fh)],
    ].filter(([a, b]) => a! * b! <= maxPixels);
    if (fits.length > 0) {
      fits.sort((p, q) => Math.abs(Math.log(p[0]! / p[1]!) - target) - Math.abs(Math.log(q[0]! / q[1]!) - target));
      [w, h] = fits[0] as [number, number];
    } else {
      w = down(fw);
      h = down(fh);
    }
  }
  return { width: w, height: h, scale };
}

/** `rect` intersected with the image area `[0, size.width) x [0, size.height)`, rounded outward to whole pixels; may be empty (width or height 0). */
export function cropRect(rect: Rect, size: Size): Rect {
  const x0 = Math.min(Math.max(Math.floor(rect.x), 0), size.width);
  const y0 = Math.min(Math.max(Math.floor(rect.y), 0), size.height);
  const x1 = Math.max(Math.min(Math.ceil(rect.x + rect.width), size.width), x0);
  const y1 = Math.max(Math.min(Math.ceil(rect.y + rect.height), size.height), y0);
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * The context box of "only masked" editing (A1111's `get_crop_region` +
 * `expand_crop_region`): `rect` grown by `padding` px on every side and
 * clamped to `bounds`; then, if `aspect` (width / height) is given, the
 * short dimension is grown around the centre to reach that ratio, shifted
 * back inside when it passes an edge, and cut at the image when the image
 * itself is too small. Matching the working resolution's aspect means the
 * crop is not distorted on the way to the model.
 */
export function expandRect(rect: Rect, padding: number, bounds: Size, aspect?: number): Rect {
  if (!(Number.isFinite(padding) && padding >= 0)) throw new InvalidInputError(`Padding must be 0 px or more (got ${padding}).`);
  const p = Math.round(padding);
  const r = cropRect({ x: rect.x - p, y: rect.y - p, width: rect.width + 2 * p, height: rect.height + 2 * p }, bounds);
  if (aspect === undefined || r.width === 0 || r.height === 0) return r;
  if (!(Number.isFinite(aspect) && aspect > 0)) throw new InvalidInputError(`The aspect ratio must be above 0 (got ${aspect}).`);
  if (r.width / r.height > aspect) {
    const [y, height] = grow1d(r.y, r.height, Math.round(r.width / aspect), bounds.height);
    return { x: r.x, y, width: r.width, height };
  }
  const [x, width] = grow1d(r.x, r.width, Math.round(r.height * aspect), bounds.width);
  return { x, y: r.y, width, height: r.height };
}

/** Grows the interval [start, start + len) to `want` around its centre, kept inside [0, limit). */
function grow1d(start: number, len: number, want: number, limit: number): [number, number] {
  const diff = Math.max(0, want - len);
  let a = start - Math.floor(diff / 2);
  let b = start + len + (diff - Math.floor(diff / 2));
  if (b > limit) {
    a -= b - limit;
    b = limit;
  }
  if (a < 0) {
    b -= a;
    a = 0;
  }
  if (b > limit) b = limit;
  return [a, b - a];
}

/** The pixels of `img` inside `rect` (whole pixels, inside the image) as a new image. */
export function cropRgba(img: RgbaImage, rect: Rect): RgbaImage {
  assertRgba(img);
  checkInside(rect, img, 'image');
  const { x, y, width, height } = rect;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let row = 0; row < height; row++) {
    const s = ((y + row) * img.width + x) * 4;
    data.set(img.data.subarray(s, s + width * 4), row * width * 4);
  }
  return { width, height, data };
}

/** The coverage of `mask` inside `rect` (whole pixels, inside the mask) as a new mask. */
export function cropMask(mask: Mask, rect: Rect): Mask {
  assertMask(mask);
  checkInside(rect, mask, 'mask');
  const { x, y, width, height } = rect;
  const data = new Float32Array(width * height);
  for (let row = 0; row < height; row++) {
    const s = (y + row) * mask.width + x;
    data.set(mask.data.subarray(s, s + width), row * width);
  }
  return { width, height, data };
}

/**
 * A copy of `dst` with `src` written over it with its top-left corner at
 * (`x`, `y`): pixels are replaced, not blended (blend first with
 * `compositeMasked`); the parts of `src` outside `dst` are dropped.
 */
export function pasteRgba(dst: RgbaImage, src: RgbaImage, x: number, y: number): RgbaImage {
  assertRgba(dst, 'The destination image');
  assertRgba(src, 'The pasted image');
  if (!Number.isInteger(x) || !Number.isInteger(y)) throw new InvalidInputError(`Paste positions are whole pixels (got ${x}, ${y}).`);
  const data = new Uint8ClampedArray(dst.data);
  const x0 = Math.max(0, x);
  const x1 = Math.min(dst.width, x + src.width);
  if (x1 > x0) {
    for (let row = Math.max(0, y); row < Math.min(dst.height, y + src.height); row++) {
      const s = ((row - y) * src.width + (x0 - x)) * 4;
      data.set(src.data.subarray(s, s + (x1 - x0) * 4), (row * dst.width + x0) * 4);
    }
  }
  return { width: dst.width, height: dst.height, data };
}

function checkInside(rect: Rect, size: Size, what: string): void {
  const { x, y, width, height } = rect;
  const ints = [x, y, width, height].every(Number.isInteger);
  if (!ints || width < 1 || height < 1 || x < 0 || y < 0 || x + width > size.width || y + height > size.height) {
    throw new InvalidInputError(
      `The crop ${x},${y} ${width}x${height} must be whole pixels of at least 1x1 inside the ${size.width}x${size.height} ${what}.`,
    );
  }
}
