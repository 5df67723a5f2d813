/**
 * The mask-painting math of the canvas adapter: brush falloff, strokes,
 * eraser, rectangles, invert, and the patches undo is made of.
 */
import { describe, expect, it } from 'vitest';
import { createMask, type Mask } from '../../core/image';
import {
  brushAlpha,
  diffPatch,
  fillMask,
  fillRect,
  invertInPlace,
  readRegion,
  rectFromPoints,
  strokeSegment,
  unionRect,
  writeRegion,
} from '../../adapters/canvas/mask-paint';

const at = (m: Mask, x: number, y: number): number => m.data[y * m.width + x]!;
const sum = (m: Mask): number => m.data.reduce((a, b) => a + b, 0);

describe('brushAlpha', () => {
  it('is 1 inside the hard core and 0 beyond the radius', () => {
    for (const h of [0, 0.3, 0.8, 1]) {
      expect(brushAlpha(0, 10, h)).toBe(1);
      expect(brushAlpha(10.5, 10, h)).toBe(0);
      expect(brushAlpha(20, 10, h)).toBe(0);
    }
    expect(brushAlpha(7.9, 10, 0.8)).toBe(1);
  });

  it('falls off monotonically, later for harder brushes', () => {
    for (const h of [0, 0.5]) {
      let prev = 1;
      for (let d = 0; d <= 10; d += 0.25) {
        const a = brushAlpha(d, 10, h);
        expect(a).toBeLessThanOrEqual(prev + 1e-12);
        expect(a).toBeGreaterThanOrEqual(0);
        prev = a;
      }
    }
    expect(brushAlpha(6, 10, 0.5)).toBeGreaterThan(brushAlpha(6, 10, 0));
    expect(brushAlpha(5, 10, 0)).toBeCloseTo(0.5, 10); // smoothstep midpoint
  });

  it('anti-aliases a hard edge over one pixel', () => {
    expect(brushAlpha(9.5, 10, 1)).toBe(1);
    expect(brushAlpha(10, 10, 1)).toBeCloseTo(0.5, 10);
    expect(brushAlpha(10.5, 10, 1)).toBe(0);
  });

  it('paints the pixel under a 1 px brush', () => {
    expect(brushAlpha(0, 0.5, 1)).toBe(1);
    expect(brushAlpha(1, 0.5, 1)).toBe(0);
  });

  it('is 0 for a zero or negative radius', () => {
    expect(brushAlpha(0, 0, 1)).toBe(0);
    expect(brushAlpha(0, -3, 0.5)).toBe(0);
  });
});

describe('strokeSegment', () => {
  it('paints a round dab centred on the point, inside its dirty rect', () => {
    const m = createMask(40, 40);
    const rect = strokeSegment(m, { x: 20, y: 20 }, { x: 20, y: 20 }, { size: 10, hardness: 1 }, 'paint')!;
    expect(at(m, 19, 19)).toBe(1);
    expect(at(m, 20, 20)).toBe(1);
    expect(at(m, 26, 20)).toBe(0);
    // symmetric about the centre (pixel centres at i + 0.5)
    for (let d = 0; d < 8; d++) {
      expect(at(m, 20 + d, 20)).toBe(at(m, 19 - d, 20));
      expect(at(m, 20, 20 + d)).toBe(at(m, 20, 19 - d));
    }
    // area ~ pi r^2
    expect(sum(m)).toBeGreaterThan(Math.PI * 25 - 3);
    expect(sum(m)).toBeLessThan(Math.PI * 25 + 3);
    for (let y = 0; y < 40; y++) {
      for (let x = 0; x < 40; x++) {
        const inside = x >= rect.x && x < rect.x + rect.width && y >= rect.y && y < rect.y + rect.height;
        if (!inside) expect(at(m, x, y)).toBe(0);
      }
    }
  });

  it('gives soft brushes soft edges', () => {
    const m = createMask(40, 40);
    strokeSegment(m, { x: 20, y: 20 }, { x: 20, y: 20 }, { size: 20, hardness: 0 }, 'paint');
    expect(at(m, 20, 20)).toBeGreaterThan(0.98); // pixel centre 0.7 px off the dab's centre
    const edge = at(m, 26, 20);
    expect(edge).toBeGreaterThan(0.05);
    expect(edge).toBeLessThan(0.95);
  });

  it('does not build up: the same stroke twice, or split in pieces, paints the same', () => {
    const brush = { size: 9, hardness: 0.4 };
    const one = createMask(64, 32);
    strokeSegment(one, { x: 5, y: 10 }, { x: 55, y: 20 }, brush, 'paint');
    const pieces = createMask(64, 32);
    const pts = [0, 0.1, 0.37, 0.5, 0.9, 1].map((t) => ({ x: 5 + 50 * t, y: 10 + 10 * t }));
    for (let i = 1; i < pts.length; i++) strokeSegment(pieces, pts[i - 1]!, pts[i]!, brush, 'paint');
    strokeSegment(pieces, { x: 5, y: 10 }, { x: 55, y: 20 }, brush, 'paint');
    expect(Array.from(pieces.data)).toEqual(Array.from(one.data));
  });

  it('erases with the same brush shape', () => {
    const m = createMask(32, 32, 1);
    strokeSegment(m, { x: 16, y: 16 }, { x: 16, y: 16 }, { size: 8, hardness: 1 }, 'erase');
    expect(at(m, 16, 16)).toBe(0);
    expect(at(m, 0, 0)).toBe(1);
    const painted = createMask(32, 32);
    strokeSegment(painted, { x: 16, y: 16 }, { x: 16, y: 16 }, { size: 8, hardness: 1 }, 'paint');
    // erase(m) = 1 - paint(empty) pixel by pixel
    for (let i = 0; i < m.data.length; i++) expect(m.data[i]).toBeCloseTo(1 - painted.data[i]!, 6);
  });

  it('clips at the edges and ignores strokes outside the mask', () => {
    const m = createMask(16, 16);
    const rect = strokeSegment(m, { x: 0, y: 0 }, { x: 0, y: 0 }, { size: 10, hardness: 1 }, 'paint')!;
    expect(rect.x).toBe(0);
    expect(rect.y).toBe(0);
    expect(at(m, 0, 0)).toBe(1);
    expect(strokeSegment(m, { x: -50, y: -50 }, { x: -40, y: -50 }, { size: 10, hardness: 1 }, 'paint')).toBeNull();
    expect(strokeSegment(m, { x: 5, y: 5 }, { x: 6, y: 6 }, { size: 0, hardness: 1 }, 'paint')).toBeNull();
    expect(strokeSegment(m, { x: NaN, y: 5 }, { x: 6, y: 6 }, { size: 4, hardness: 1 }, 'paint')).toBeNull();
  });
});

describe('rectangles, fill, clear, invert', () => {
  it('covers the pixels whose centres lie inside the dragged rectangle, either direction', () => {
    expect(rectFromPoints({ x: 2.2, y: 3.7 }, { x: 6.6, y: 1.1 }, { width: 10, height: 10 })).toEqual({ x: 2, y: 1, width: 5, height: 3 });
    expect(rectFromPoints({ x: -5, y: -5 }, { x: 50, y: 3 }, { width: 10, height: 10 })).toEqual({ x: 0, y: 0, width: 10, height: 3 });
    expect(rectFromPoints({ x: 3, y: 3 }, { x: 3.2, y: 9 }, { width: 10, height: 10 })).toBeNull();
    expect(rectFromPoints({ x: 20, y: 20 }, { x: 30, y: 30 }, { width: 10, height: 10 })).toBeNull();
  });

  it('fills and erases rectangles', () => {
    const m = createMask(8, 8);
    expect(fillRect(m, { x: 1, y: 2, width: 3, height: 2 }, 'paint')).toEqual({ x: 1, y: 2, width: 3, height: 2 });
    expect(sum(m)).toBe(6);
    expect(at(m, 1, 2)).toBe(1);
    expect(at(m, 3, 3)).toBe(1);
    expect(at(m, 4, 3)).toBe(0);
    fillRect(m, { x: 2, y: 0, width: 10, height: 3 }, 'erase');
    expect(sum(m)).toBe(4);
    expect(fillRect(m, { x: 9, y: 9, width: 3, height: 3 }, 'paint')).toBeNull();
  });

  it('inverts and fills in place', () => {
    const m = createMask(4, 1);
    m.data.set([0, 0.25, 1, 0.5]);
    invertInPlace(m);
    expect(Array.from(m.data)).toEqual([1, 0.75, 0, 0.5]);
    invertInPlace(m);
    expect(Array.from(m.data)).toEqual([0, 0.25, 1, 0.5]);
    fillMask(m, 1);
    expect(Array.from(m.data)).toEqual([1, 1, 1, 1]);
    fillMask(m, 0);
    expect(sum(m)).toBe(0);
  });
});

describe('patches', () => {
  it('reads, writes and diffs regions', () => {
    const m = createMask(6, 5);
    const before = new Float32Array(m.data);
    fillRect(m, { x: 1, y: 1, width: 2, height: 2 }, 'paint');
    const rect = { x: 0, y: 0, width: 4, height: 4 };
    const patch = diffPatch(m, before, rect)!;
    expect(patch.rect).toEqual(rect);
    expect(patch.after.reduce((a, b) => a + b, 0)).toBe(4);
    writeRegion(m, patch.rect, patch.before);
    expect(sum(m)).toBe(0);
    writeRegion(m, patch.rect, patch.after);
    expect(Array.from(readRegion(m, { x: 1, y: 1, width: 2, height: 2 }))).toEqual([1, 1, 1, 1]);
    expect(diffPatch(m, new Float32Array(m.data), rect)).toBeNull();
    expect(diffPatch(m, before, null)).toBeNull();
  });

  it('unions rectangles', () => {
    expect(unionRect(null, null)).toBeNull();
    expect(unionRect({ x: 1, y: 1, width: 2, height: 2 }, null)).toEqual({ x: 1, y: 1, width: 2, height: 2 });
    expect(unionRect({ x: 1, y: 1, width: 2, height: 2 }, { x: 5, y: 0, width: 1, height: 1 })).toEqual({ x: 1, y: 0, width: 5, height: 3 });
  });
});
