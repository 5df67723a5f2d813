import { describe, expect, it } from 'vitest';
import { cropMask, cropRect, cropRgba, expandRect, InvalidInputError, pasteRgba, workingSize } from '../../core/image';
import { noiseImage } from './helpers';

describe('workingSize', () => {
  it('1000x750, multiple 64, cap 512*512 -> 576x448 (nearest multiples, under the cap)', () => {
    const s = workingSize(1000, 750, { multiple: 64, maxPixels: 512 * 512 });
    expect([s.width, s.height]).toEqual([576, 448]);
    expect(s.scale).toBeCloseTo(Math.sqrt((512 * 512) / (1000 * 750)), 12);
    expect(s.width * s.height).toBeLessThanOrEqual(512 * 512);
  });

  it('does not upscale by default; rounds to the multiple', () => {
    expect(workingSize(64, 64, { multiple: 16, maxPixels: 512 * 512 })).toEqual({ width: 64, height: 64, scale: 1 });
    expect(workingSize(100, 70, { multiple: 16, maxPixels: 512 * 512 })).toEqual({ width: 96, height: 64, scale: 1 });
    expect(workingSize(5, 3, { multiple: 8 })).toEqual({ width: 8, height: 8, scale: 1 }); // never below one multiple
  });

  it('upscale: true fills the cap (for "only masked" crops)', () => {
    const s = workingSize(100, 100, { multiple: 64, maxPixels: 512 * 512, upscale: true });
    expect([s.width, s.height]).toEqual([512, 512]);
    expect(s.scale).toBeCloseTo(5.12, 12);
  });

  it('rounds a side down when rounding to nearest would break the cap', () => {
    for (const [w, h] of [
      [1000, 600],
      [1920, 1080],
      [4000, 1000],
      [777, 555],
    ] as const) {
      const s = workingSize(w, h, { multiple: 64, maxPixels: 512 * 512 });
      expect(s.width % 64).toBe(0);
      expect(s.height % 64).toBe(0);
      expect(s.width * s.height).toBeLessThanOrEqual(512 * 512);
      expect(Math.abs(Math.log(s.width / s.height / (w / h)))).toBeLessThan(0.2);
    }
    // 1920x1080: scale 0.3556 -> 682.7 x 384 -> nearest 704x384 = 270336 px > cap -> width rounded down: 640x384.
    expect(workingSize(1920, 1080, { multiple: 64, maxPixels: 512 * 512 })).toMatchObject({ width: 640, height: 384 });
  });

  it('minSide scales small inputs up, but the cap wins', () => {
    expect(workingSize(200, 100, { multiple: 8, minSide: 512 })).toMatchObject({ width: 1024, height: 512, scale: 5.12 });
    const capped = workingSize(200, 100, { multiple: 8, minSide: 512, maxPixels: 512 * 512 });
    expect(capped.width * capped.height).toBeLessThanOrEqual(512 * 512);
    expect(capped.height).toBeLessThan(512);
  });

  it('validates its options', () => {
    expect(() => workingSize(0, 10, { multiple: 8 })).toThrow(InvalidInputError);
    expect(() => workingSize(10, 10, { multiple: 0 })).toThrow(InvalidInputError);
    expect(() => workingSize(10, 10, { multiple: 64, maxPixels: 1000 })).toThrow(InvalidInputError);
  });
});

describe('cropRect / expandRect', () => {
  const bounds = { width: 100, height: 80 };

  it('cropRect intersects with the image and rounds outward', () => {
    expect(cropRect({ x: -5, y: 10, width: 20, height: 100 }, bounds)).toEqual({ x: 0, y: 10, width: 15, height: 70 });
    expect(cropRect({ x: 10.5, y: 1.2, width: 2, height: 2 }, bounds)).toEqual({ x: 10, y: 1, width: 3, height: 3 });
    expect(cropRect({ x: 200, y: 0, width: 5, height: 5 }, bounds)).toMatchObject({ width: 0 });
  });

  it('pads on every side and clamps to the image', () => {
    expect(expandRect({ x: 40, y: 30, width: 10, height: 10 }, 32, bounds)).toEqual({ x: 8, y: 0, width: 74, height: 72 });
    expect(expandRect({ x: 40, y: 30, width: 10, height: 10 }, 5, bounds)).toEqual({ x: 35, y: 25, width: 20, height: 20 });
  });

  it('grows the short side to the target aspect around the centre', () => {
    const r = expandRect({ x: 40, y: 30, width: 20, height: 10 }, 0, bounds, 1);
    expect(r).toEqual({ x: 40, y: 25, width: 20, height: 20 });
    const wide = expandRect({ x: 40, y: 30, width: 10, height: 20 }, 0, bounds, 2);
    expect(wide).toEqual({ x: 25, y: 30, width: 40, height: 20 });
  });

  it('shifts back inside at an edge, and stops at the image size', () => {
    expect(expandRect({ x: 0, y: 0, width: 20, height: 10 }, 0, bounds, 1)).toEqual({ x: 0, y: 0, width: 20, height: 20 });
    expect(expandRect({ x: 90, y: 70, width: 10, height: 10 }, 0, bounds, 2)).toEqual({ x: 80, y: 70, width: 20, height: 10 });
    expect(expandRect({ x: 0, y: 0, width: 100, height: 10 }, 0, bounds, 1)).toEqual({ x: 0, y: 0, width: 100, height: 80 });
  });
});

describe('crop and paste', () => {
  it('cropRgba / cropMask copy the rectangle', () => {
    const img = noiseImage(10, 8, 3, false);
    const c = cropRgba(img, { x: 2, y: 3, width: 4, height: 2 });
    expect([c.width, c.height]).toEqual([4, 2]);
    for (let y = 0; y < 2; y++) {
      for (let x = 0; x < 4; x++) {
        for (let k = 0; k < 4; k++) expect(c.data[(y * 4 + x) * 4 + k]).toBe(img.data[((y + 3) * 10 + x + 2) * 4 + k]);
      }
    }
    const m = { width: 3, height: 3, data: Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8]) };
    expect(Array.from(cropMask(m, { x: 1, y: 1, width: 2, height: 2 }).data)).toEqual([4, 5, 7, 8]);
  });

  it('crops must be whole pixels inside the image', () => {
    const img = noiseImage(10, 8);
    expect(() => cropRgba(img, { x: 8, y: 0, width: 4, height: 2 })).toThrow(InvalidInputError);
    expect(() => cropRgba(img, { x: 0.5, y: 0, width: 4, height: 2 })).toThrow(InvalidInputError);
    expect(() => cropRgba(img, { x: 0, y: 0, width: 0, height: 2 })).toThrow(InvalidInputError);
  });

  it('pasteRgba replaces pixels in a copy, clipping what falls outside', () => {
    const dst = noiseImage(6, 5, 1, false);
    const before = Uint8ClampedArray.from(dst.data);
    const src = { width: 3, height: 2, data: new Uint8ClampedArray(24).fill(9) };
    const out = pasteRgba(dst, src, 4, 4); // only 2x1 lands inside
    expect(Array.from(dst.data)).toEqual(Array.from(before)); // input untouched
    let changed = 0;
    for (let y = 0; y < 5; y++) {
      for (let x = 0; x < 6; x++) {
        const inside = x >= 4 && y >= 4;
        for (let k = 0; k < 4; k++) {
          const v = out.data[(y * 6 + x) * 4 + k];
          if (inside) expect(v).toBe(9);
          else expect(v).toBe(before[(y * 6 + x) * 4 + k]);
        }
        if (inside) changed++;
      }
    }
    expect(changed).toBe(2);
    // crop + paste back is the identity
    const crop = cropRgba(dst, { x: 1, y: 1, width: 3, height: 3 });
    expect(Array.from(pasteRgba(dst, crop, 1, 1).data)).toEqual(Array.from(before));
    // negative positions clip on the left/top
    const neg = pasteRgba(dst, src, -2, -1);
    expect(Array.from(neg.data.subarray(0, 4))).toEqual([9, 9, 9, 9]);
    expect(neg.data[4]).toBe(before[4]);
  });
});
