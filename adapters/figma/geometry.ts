/**
 * Figma geometry without Figma: affine transforms in Figma's layout
 * (`[[a, c, tx], [b, d, ty]]`, mapping a node's local point to its parent's
 * or the page's space), boxes, the export scale and Figma's image limits.
 * Pure and dependency-free: runs in the plugin sandbox, the panel and Node.
 */
import type { Rect, Transform } from './api';

/** Figma stores images of at most 4096 px a side (`figma.createImage` throws beyond). */
export const FIGMA_MAX_IMAGE_SIDE = 4096;

export const IDENTITY: Transform = [
  [1, 0, 0],
  [0, 1, 0],
];

/** `a ∘ b`: the transform that applies `b`, then `a`. */
export function multiply(a: Transform, b: Transform): Transform {
  const [[a0, a1, a2], [a3, a4, a5]] = a;
  const [[b0, b1, b2], [b3, b4, b5]] = b;
  return [
    [a0 * b0 + a1 * b3, a0 * b1 + a1 * b4, a0 * b2 + a1 * b5 + a2],
    [a3 * b0 + a4 * b3, a3 * b1 + a4 * b4, a3 * b2 + a4 * b5 + a5],
  ];
}

/** The inverse transform; throws on a degenerate (zero-area) one. */
export function invert(t: Transform): Transform {
  const [[a, c, tx], [b, d, ty]] = t;
  const det = a * d - b * c;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) throw new RangeError('The transform cannot be inverted (it has no area).');
  return [
    [d / det, -c / det, (c * ty - d * tx) / det],
    [-b / det, a / det, (b * tx - a * ty) / det],
  ];
}

/** Maps the point (`x`, `y`). */
export function apply(t: Transform, x: number, y: number): [number, number] {
  return [t[0][0] * x + t[0][1] * y + t[0][2], t[1][0] * x + t[1][1] * y + t[1][2]];
}

/** The axis-aligned box of the `width` x `height` rectangle at the origin, mapped by `t`. */
export function transformedBounds(t: Transform, width: number, height: number): Rect {
  const corners = [apply(t, 0, 0), apply(t, width, 0), apply(t, 0, height), apply(t, width, height)];
  const xs = corners.map((p) => p[0]);
  const ys = corners.map((p) => p[1]);
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
}

/** The overlap of two boxes, or null when they do not overlap with a positive area. */
export function intersection(a: Rect, b: Rect): Rect | null {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  const r = Math.min(a.x + a.width, b.x + b.width);
  const btm = Math.min(a.y + a.height, b.y + b.height);
  return r > x && btm > y ? { x, y, width: r - x, height: btm - y } : null;
}

/** True when `t` has no rotation, skew or flip (a pure translation). */
export function isTranslation(t: Transform, eps = 1e-9): boolean {
  return Math.abs(t[0][0] - 1) < eps && Math.abs(t[1][1] - 1) < eps && Math.abs(t[0][1]) < eps && Math.abs(t[1][0]) < eps;
}

/**
 * The `relativeTransform` that puts a node at `absolute` (page space) when
 * its container (the nearest frame, component, instance or section above
 * it; null for the page) sits at `container`.
 */
export function relativeTransformIn(container: Transform | null, absolute: Transform): Transform {
  return container ? multiply(invert(container), absolute) : [[...absolute[0]], [...absolute[1]]];
}

/** How the source is read: its export scale and why it is what it is. */
export interface ExportScale {
  /** Export scale (exported px per Figma px). */
  scale: number;
  /** The scale asked for (or worked out) before the 4096 px limit. */
  wanted: number;
  /** True when the 4096 px limit lowered the scale. */
  limited: boolean;
}

export interface ExportScaleInput {
  /** The node's own size (Figma px). */
  width: number;
  height: number;
  /** The box the export covers (the node's absolute bounding box: larger than the node when it is rotated). */
  box: { width: number; height: number };
  /** A fixed scale, overriding everything else but the limit. */
  scale?: number;
  /** The model's working area in px: small layers are read at a scale that gives at least this many pixels. */
  targetPixels?: number;
  /** Pixels per Figma px of the image in the layer (its file's resolution): read at least this fine. */
  density?: number;
  /** Default {@link FIGMA_MAX_IMAGE_SIDE}. */
  maxSide?: number;
}

/**
 * The export scale for reading a layer: never coarser than the layer itself
 * (1x) or than the image file in it (`density`), small layers scaled up to
 * the model's working area, and the exported box kept within Figma's 4096 px.
 *
 * @example chooseExportScale({ width: 100, height: 100, box: { width: 100, height: 100 }, targetPixels: 512 * 512 }) // scale 5.12
 */
export function chooseExportScale(input: ExportScaleInput): ExportScale {
  const maxSide = input.maxSide ?? FIGMA_MAX_IMAGE_SIDE;
  const area = Math.max(input.width * input.height, 1e-9);
  let wanted: number;
  if (input.scale !== undefined) {
    wanted = input.scale;
  } else {
    wanted = Math.max(1, input.density ?? 1);
    if (input.targetPixels !== undefined && input.targetPixels > 0) wanted = Math.max(wanted, Math.sqrt(input.targetPixels / area));
  }
  if (!(wanted > 0) || !Number.isFinite(wanted)) wanted = 1;
  const boxSide = Math.max(input.box.width, input.box.height, 1e-9);
  const limit = maxSide / boxSide;
  // Round down to 1/1000 so the exported size never rounds past the limit.
  const scale = Math.floor(Math.min(wanted, limit) * 1000) / 1000;
  return { scale: Math.max(scale, 0.001), wanted, limited: wanted > limit };
}

/** The pixel size of an export of `box` at `scale` (Figma rounds to whole pixels, at least 1). */
export function exportSize(box: { width: number; height: number }, scale: number): { width: number; height: number } {
  return { width: Math.max(1, Math.round(box.width * scale)), height: Math.max(1, Math.round(box.height * scale)) };
}

/** A size scaled down (never up) to fit `maxSide`, keeping its aspect ratio. */
export function fitWithin(width: number, height: number, maxSide = FIGMA_MAX_IMAGE_SIDE): { width: number; height: number; scaled: boolean } {
  if (width <= maxSide && height <= maxSide) return { width, height, scaled: false };
  const f = maxSide / Math.max(width, height);
  return { width: Math.max(1, Math.min(maxSide, Math.round(width * f))), height: Math.max(1, Math.min(maxSide, Math.round(height * f))), scaled: true };
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Width and height from a PNG's header, or null when `bytes` is not a PNG. Cheap: reads 24 bytes. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | null {
  if (bytes.length < 24) return null;
  for (let i = 0; i < 8; i++) if (bytes[i] !== PNG_SIGNATURE[i]) return null;
  // IHDR must be the first chunk.
  if (bytes[12] !== 0x49 || bytes[13] !== 0x48 || bytes[14] !== 0x44 || bytes[15] !== 0x52) return null;
  const u32 = (o: number): number => ((bytes[o]! << 24) >>> 0) + (bytes[o + 1]! << 16) + (bytes[o + 2]! << 8) + bytes[o + 3]!;
  const width = u32(16);
  const height = u32(20);
  return width > 0 && height > 0 ? { width, height } : null;
}
