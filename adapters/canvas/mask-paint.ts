/**
 * Mask painting on a coverage {@link Mask} (Float32Array, 1 = repaint): brush
 * strokes with a size and a hardness falloff, the eraser, rectangles, clear,
 * fill and invert. Pure functions on typed arrays (no DOM), so they run and
 * are tested in Node.
 *
 * Coordinates are image pixels, continuous: (0, 0) is the top-left corner of
 * the first pixel and pixel (i, j) has its centre at (i + 0.5, j + 0.5).
 *
 * A stroke segment paints the exact capsule around the line from `a` to `b`
 * (no stamp spacing), and coverage combines with `max` when painting and
 * `min(m, 1 - a)` when erasing. Both are idempotent: going over the same spot
 * twice within a stroke does not build up, and the result does not depend on
 * how many pointer events the stroke was made of.
 */
import type { Mask, Rect } from '../../core/image';

/** A point in image pixels (continuous coordinates). */
export interface Point {
  x: number;
  y: number;
}

/** Brush shape: `size` is the diameter in image px, `hardness` in [0, 1] (1 = hard edge). */
export interface BrushOptions {
  size: number;
  hardness: number;
}

/** Whether a tool adds coverage (`paint`) or removes it (`erase`). */
export type PaintMode = 'paint' | 'erase';

/**
 * Coverage of a brush of `radius` px at `distance` px from its centre.
 *
 * Inside `radius * hardness` it is 1; from there to `radius` it falls off
 * smoothly (1 - smoothstep) to 0. When the soft band is under one pixel
 * (hardness near 1) the edge is anti-aliased over one pixel instead, so hard
 * brushes have clean edges and a 1 px brush still paints its pixel.
 */
export function brushAlpha(distance: number, radius: number, hardness: number): number {
  if (!(radius > 0)) return 0;
  const h = clamp01(hardness);
  const inner = radius * h;
  const band = radius - inner;
  if (band < 1) {
    const a = radius + 0.5 - distance;
    return a >= 1 ? 1 : a <= 0 ? 0 : a;
  }
  if (distance <= inner) return 1;
  if (distance >= radius) return 0;
  const t = (distance - inner) / band;
  return 1 - t * t * (3 - 2 * t);
}

/**
 * Paints (or erases) the capsule of a brush moved in a straight line from
 * `a` to `b` (a single dab when `a` equals `b`).
 *
 * @returns the rectangle of pixels that may have changed, or null when the
 *   stroke lies entirely outside the mask.
 */
export function strokeSegment(mask: Mask, a: Point, b: Point, brush: BrushOptions, mode: PaintMode): Rect | null {
  const radius = Math.max(0, brush.size) / 2;
  if (!(radius > 0) || !isFinitePoint(a) || !isFinitePoint(b)) return null;
  const reach = radius + 0.5;
  const rect = clipRect(
    {
      x: Math.floor(Math.min(a.x, b.x) - reach),
      y: Math.floor(Math.min(a.y, b.y) - reach),
      width: 0,
      height: 0,
    },
    Math.ceil(Math.max(a.x, b.x) + reach),
    Math.ceil(Math.max(a.y, b.y) + reach),
    mask,
  );
  if (!rect) return null;
  const { width, data } = mask;
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  const hardness = brush.hardness;
  for (let y = rect.y; y < rect.y + rect.height; y++) {
    const py = y + 0.5;
    for (let x = rect.x; x < rect.x + rect.width; x++) {
      const px = x + 0.5;
      // Distance from the pixel centre to the segment.
      let t = len2 > 0 ? ((px - a.x) * dx + (py - a.y) * dy) / len2 : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const ex = px - (a.x + t * dx);
      const ey = py - (a.y + t * dy);
      const alpha = brushAlpha(Math.sqrt(ex * ex + ey * ey), radius, hardness);
      if (alpha <= 0) continue;
      const i = y * width + x;
      const m = data[i]!;
      if (mode === 'paint') {
        if (alpha > m) data[i] = alpha;
      } else {
        const keep = 1 - alpha;
        if (keep < m) data[i] = keep;
      }
    }
  }
  return rect;
}

/**
 * The pixels a rectangle dragged from `a` to `b` covers (the pixels whose
 * centres lie inside), clipped to the mask; null when none.
 */
export function rectFromPoints(a: Point, b: Point, size: { width: number; height: number }): Rect | null {
  if (!isFinitePoint(a) || !isFinitePoint(b)) return null;
  return clipRect(
    { x: Math.round(Math.min(a.x, b.x)), y: Math.round(Math.min(a.y, b.y)), width: 0, height: 0 },
    Math.round(Math.max(a.x, b.x)),
    Math.round(Math.max(a.y, b.y)),
    size,
  );
}

/** Sets (`paint`) or clears (`erase`) every pixel of `rect`. Returns the clipped rect, or null when empty. */
export function fillRect(mask: Mask, rect: Rect, mode: PaintMode): Rect | null {
  const r = clipRect({ x: Math.floor(rect.x), y: Math.floor(rect.y), width: 0, height: 0 }, Math.ceil(rect.x + rect.width), Math.ceil(rect.y + rect.height), mask);
  if (!r) return null;
  const v = mode === 'paint' ? 1 : 0;
  for (let y = r.y; y < r.y + r.height; y++) mask.data.fill(v, y * mask.width + r.x, y * mask.width + r.x + r.width);
  return r;
}

/** Sets every pixel to `value` (0 clears, 1 selects all). Returns the whole-mask rect. */
export function fillMask(mask: Mask, value: number): Rect {
  mask.data.fill(clamp01(value));
  return fullRect(mask);
}

/** Replaces every coverage `m` by `1 - m`, in place. Returns the whole-mask rect. */
export function invertInPlace(mask: Mask): Rect {
  const d = mask.data;
  for (let i = 0; i < d.length; i++) d[i] = 1 - clamp01(d[i]!);
  return fullRect(mask);
}

/** The rect of the whole mask. */
export function fullRect(size: { width: number; height: number }): Rect {
  return { x: 0, y: 0, width: size.width, height: size.height };
}

/** The smallest rect holding both (either may be null). */
export function unionRect(a: Rect | null, b: Rect | null): Rect | null {
  if (!a) return b;
  if (!b) return a;
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return {
    x,
    y,
    width: Math.max(a.x + a.width, b.x + b.width) - x,
    height: Math.max(a.y + a.height, b.y + b.height) - y,
  };
}

/** A copy of the values of `rect` (row-major, `rect.width * rect.height`). */
export function readRegion(mask: Mask, rect: Rect): Float32Array {
  const out = new Float32Array(rect.width * rect.height);
  for (let y = 0; y < rect.height; y++) {
    const from = (rect.y + y) * mask.width + rect.x;
    out.set(mask.data.subarray(from, from + rect.width), y * rect.width);
  }
  return out;
}

/** Writes values read by {@link readRegion} back into `rect`. */
export function writeRegion(mask: Mask, rect: Rect, values: Float32Array): void {
  for (let y = 0; y < rect.height; y++) {
    mask.data.set(values.subarray(y * rect.width, (y + 1) * rect.width), (rect.y + y) * mask.width + rect.x);
  }
}

/** The change of one rectangle of a mask: enough to undo and redo it. */
export interface MaskPatch {
  rect: Rect;
  before: Float32Array;
  after: Float32Array;
}

/**
 * The patch that turns `before` (a full copy of the mask's values taken
 * earlier) into the mask's current values inside `rect`; null when nothing
 * in `rect` changed.
 */
export function diffPatch(mask: Mask, before: Float32Array, rect: Rect | null): MaskPatch | null {
  if (!rect || rect.width <= 0 || rect.height <= 0) return null;
  const old = readRegion({ width: mask.width, height: mask.height, data: before }, rect);
  const now = readRegion(mask, rect);
  for (let i = 0; i < now.length; i++) if (now[i] !== old[i]) return { rect, before: old, after: now };
  return null;
}

function clipRect(start: Rect, x1: number, y1: number, size: { width: number; height: number }): Rect | null {
  const x = Math.max(0, start.x);
  const y = Math.max(0, start.y);
  const xe = Math.min(size.width, x1);
  const ye = Math.min(size.height, y1);
  if (xe <= x || ye <= y) return null;
  return { x, y, width: xe - x, height: ye - y };
}

function isFinitePoint(p: Point): boolean {
  return Number.isFinite(p.x) && Number.isFinite(p.y);
}

function clamp01(v: number): number {
  return v > 0 ? (v < 1 ? v : 1) : 0;
}
