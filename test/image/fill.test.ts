import { describe, expect, it } from 'vitest';
import { createMask, createRgba, fillHoleTelea, InvalidInputError } from '../../core/image';
import { noiseImage } from './helpers';

function holeMask(w: number, h: number, x0: number, y0: number, x1: number, y1: number, value = 1): ReturnType<typeof createMask> {
  const m = createMask(w, h);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m.data[y * w + x] = value;
  return m;
}

describe('fillHoleTelea', () => {
  it('leaves every pixel outside the hole byte-identical', () => {
    const img = noiseImage(40, 30, 3, false);
    const m = holeMask(40, 30, 10, 8, 25, 20);
    m.data[0] = 0.49; // below 0.5: not a hole
    const out = fillHoleTelea(img, m);
    for (let i = 0; i < 40 * 30; i++) {
      if (m.data[i]! >= 0.5) continue;
      for (let c = 0; c < 4; c++) expect(out.data[i * 4 + c]).toBe(img.data[i * 4 + c]);
    }
  });

  it('fills a hole in a constant image with that colour', () => {
    const img = createRgba(32, 32, [200, 30, 90, 255]);
    // garbage in the hole, which must not leak into the fill
    for (let y = 8; y < 24; y++) for (let x = 8; x < 24; x++) img.data.set([0, 255, 0, 255], (y * 32 + x) * 4);
    const out = fillHoleTelea(img, holeMask(32, 32, 8, 8, 24, 24));
    for (let i = 0; i < out.data.length; i += 4) expect(Array.from(out.data.subarray(i, i + 4))).toEqual([200, 30, 90, 255]);
  });

  it('holes at the image border are filled too', () => {
    const img = createRgba(20, 20, [10, 20, 30, 255]);
    const out = fillHoleTelea(img, holeMask(20, 20, 0, 0, 7, 20));
    for (let i = 0; i < out.data.length; i += 4) expect(Array.from(out.data.subarray(i, i + 4))).toEqual([10, 20, 30, 255]);
  });

  it('continues a horizontal gradient smoothly across a hole', () => {
    const w = 64;
    const img = createRgba(w, 32, [0, 0, 0, 255]);
    for (let y = 0; y < 32; y++) for (let x = 0; x < w; x++) img.data.set([x * 4, 128, 255 - x * 4, 255], (y * w + x) * 4);
    const out = fillHoleTelea(img, holeMask(w, 32, 24, 10, 40, 22));
    for (let y = 10; y < 22; y++) {
      for (let x = 24; x < 40; x++) {
        const r = out.data[(y * w + x) * 4]!;
        expect(Math.abs(r - x * 4)).toBeLessThan(24); // close to the true ramp, well inside [96, 160)
        expect(out.data[(y * w + x) * 4 + 1]).toBe(128);
      }
    }
  });

  it('an empty mask returns a copy; a full mask leaves the image unchanged', () => {
    const img = noiseImage(8, 8, 9);
    const a = fillHoleTelea(img, createMask(8, 8));
    expect(Array.from(a.data)).toEqual(Array.from(img.data));
    expect(a.data).not.toBe(img.data);
    expect(Array.from(fillHoleTelea(img, createMask(8, 8, 1)).data)).toEqual(Array.from(img.data));
  });

  it('checks sizes and radius', () => {
    expect(() => fillHoleTelea(noiseImage(4, 4), createMask(4, 5))).toThrow(InvalidInputError);
    expect(() => fillHoleTelea(noiseImage(4, 4), createMask(4, 4), 0)).toThrow(RangeError);
  });
});
