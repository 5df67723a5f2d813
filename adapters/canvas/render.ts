/**
 * Pixels of the mask overlay: the mask drawn as a tinted, semi-transparent
 * layer over the image. Pure (no DOM): the host puts these pixels on a
 * canvas with `putImageData`.
 */
import type { Mask, Rect } from '../../core/image';

export interface OverlayStyle {
  /** Tint as [r, g, b], 0..255. */
  color: readonly [number, number, number];
  /** Opacity at full coverage, in [0, 1]. */
  opacity: number;
}

/** A magenta that stands out on photos and on both light and dark UIs. */
export const DEFAULT_OVERLAY: OverlayStyle = { color: [255, 0, 144], opacity: 0.5 };

/**
 * Writes the overlay for `rect` of `mask` into `out` (RGBA of the mask's
 * size, straight alpha): the tint everywhere, alpha = coverage x opacity.
 */
export function renderMaskOverlay(mask: Mask, out: Uint8ClampedArray, rect: Rect, style: OverlayStyle = DEFAULT_OVERLAY): void {
  const [r, g, b] = style.color;
  const scale = 255 * Math.max(0, Math.min(1, style.opacity));
  const { width, data } = mask;
  for (let y = rect.y; y < rect.y + rect.height; y++) {
    for (let x = rect.x; x < rect.x + rect.width; x++) {
      const i = y * width + x;
      const m = data[i]!;
      const p = i * 4;
      out[p] = r;
      out[p + 1] = g;
      out[p + 2] = b;
      out[p + 3] = m > 0 ? Math.round((m < 1 ? m : 1) * scale) : 0;
    }
  }
}

/**
 * Parses `#rgb`, `#rrggbb` or `rgb(r, g, b)` into [r, g, b]; undefined when
 * the text is none of those.
 */
export function parseColor(text: string): [number, number, number] | undefined {
  const s = text.trim().toLowerCase();
  let m = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/.exec(s);
  if (m) return [m[1]!, m[2]!, m[3]!].map((h) => parseInt(h + h, 16)) as [number, number, number];
  m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/.exec(s);
  if (m) return [m[1]!, m[2]!, m[3]!].map((h) => parseInt(h, 16)) as [number, number, number];
  m = /^rgba?\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*(?:,\s*[\d.]+\s*)?\)$/.exec(s);
  if (m) {
    const c = [m[1]!, m[2]!, m[3]!].map(Number);
    if (c.every((v) => v <= 255)) return c as [number, number, number];
  }
  return undefined;
}

/**
 * Maps a pointer position in CSS px (relative to the element's box) to image
 * px, for an element of `box` CSS size showing an image of `image` size.
 */
export function toImagePoint(
  offsetX: number,
  offsetY: number,
  box: { width: number; height: number },
  image: { width: number; height: number },
): { x: number; y: number } {
  return {
    x: box.width > 0 ? (offsetX * image.width) / box.width : offsetX,
    y: box.height > 0 ? (offsetY * image.height) / box.height : offsetY,
  };
}
