import { describe, expect, it } from 'vitest';
import { createMask, growMask, shrinkMask, type Mask } from '../../core/image';
import { maskFromArt, maskToArt } from './helpers';

/** Reference dilation: max over the disc dx^2 + dy^2 <= r^2, outside the image ignored. */
function bruteGrow(m: Mask, r: number): Float32Array {
  const out = new Float32Array(m.data.length);
  const R = Math.floor(r);
  for (let y = 0; y < m.height; y++) {
    for (let x = 0; x < m.width; x++) {
      let best = -Infinity;
      for (let dy = -R; dy <= R; dy++) {
        for (let dx = -R; dx <= R; dx++) {
          if (dx * dx + dy * dy > r * r) continue;
          const sx = x + dx;
          const sy = y + dy;
          if (sx < 0 || sy < 0 || sx >= m.width || sy >= m.height) continue;
          best = Math.max(best, m.data[sy * m.width + sx]!);
        }
      }
      out[y * m.width + x] = best;
    }
  }
  return out;
}

/** Reference erosion: min over the disc, outside the image ignored (so it never erodes from the edge). */
function bruteShrink(m: Mask, r: number): Float32Array {
  const inv = { ...m, data: m.data.map((v) => 1 - v) };
  return bruteGrow(inv, r).map((v) => 1 - v);
}

function randomMask(w: number, h: number, seed: number, soft: boolean, density = 0.08): Mask {
  let s = seed;
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const data = new Float32Array(w * h);
  for (let i = 0; i < data.length; i++) data[i] = rnd() < density ? (soft ? Math.fround(rnd()) : 1) : 0;
  return { width: w, height: h, data };
}

describe('growMask', () => {
  it('a single pixel grown by 2 px is the disc of radius 2 (13 pixels)', () => {
    const m = createMask(7, 7);
    m.data[3 * 7 + 3] = 1;
    expect(maskToArt(growMask(m, 2))).toEqual([
      '.......',
      '...#...',
      '..###..',
      '.#####.',
      '..###..',
      '...#...',
      '.......',
    ]);
    expect(growMask(m, 2).data.reduce((a, b) => a + b, 0)).toBe(13);
  });

  it('radius 3 disc has 29 pixels; fractional radius 2.5 has 21', () => {
    const m = createMask(11, 11);
    m.data[5 * 11 + 5] = 1;
    expect(growMask(m, 3).data.reduce((a, b) => a + b, 0)).toBe(29);
    expect(growMask(m, 2.5).data.reduce((a, b) => a + b, 0)).toBe(21);
  });

  it('px < 1 and 0 change nothing; the input is never modified', () => {
    const m = randomMask(9, 7, 5, false);
    const copy = Float32Array.from(m.data);
    expect(Array.from(growMask(m, 0).data)).toEqual(Array.from(copy));
    expect(Array.from(growMask(m, 0.9).data)).toEqual(Array.from(copy));
    growMask(m, 3);
    expect(Array.from(m.data)).toEqual(Array.from(copy));
  });

  for (const r of [1, 2, 2.5, 4, 7]) {
    it(`hard masks match a brute-force disc dilation (r = ${r})`, () => {
      const m = randomMask(37, 23, 11 + r * 10, false, 0.03);
      expect(Array.from(growMask(m, r).data)).toEqual(Array.from(bruteGrow(m, r)));
    });
    it(`soft masks match a brute-force disc max filter (r = ${r})`, () => {
      // Dense soft values take the run decomposition, sparse ones the stamping path.
      for (const density of [0.6, 0.1, 0.01]) {
        const m = randomMask(31, 19, 7 + r * 10, true, density);
        expect(Array.from(growMask(m, r).data)).toEqual(Array.from(bruteGrow(m, r)));
      }
      const mixed = randomMask(31, 19, 8 + r, false, 0.05);
      for (let i = 0; i < mixed.data.length; i += 37) mixed.data[i] = 0.25;
      expect(Array.from(growMask(mixed, r).data)).toEqual(Array.from(bruteGrow(mixed, r)));
    });
  }

  it('the soft and hard paths agree: grow(0.5 m) = 0.5 grow(m)', () => {
    const m = randomMask(40, 30, 3, false, 0.02);
    const half = { ...m, data: m.data.map((v) => v * 0.5) };
    expect(Array.from(growMask(half, 5).data)).toEqual(Array.from(growMask(m, 5).data.map((v) => v * 0.5)));
  });

  it('negative px shrinks', () => {
    const m = randomMask(20, 20, 9, false, 0.7);
    expect(Array.from(growMask(m, -2).data)).toEqual(Array.from(shrinkMask(m, 2).data));
  });
});

describe('shrinkMask', () => {
  const square = (): Mask =>
    maskFromArt([
      '.........',
      '.#######.',
      '.#######.',
      '.#######.',
      '.#######.',
      '.#######.',
      '.#######.',
      '.#######.',
      '.........',
    ]);

  it('a 7x7 square shrunk by 1 is 5x5, by 2 is 3x3, by 4 is gone', () => {
    expect(maskToArt(shrinkMask(square(), 1))).toEqual([
      '.........',
      '.........',
      '..#####..',
      '..#####..',
      '..#####..',
      '..#####..',
      '..#####..',
      '.........',
      '.........',
    ]);
    expect(shrinkMask(square(), 2).data.reduce((a, b) => a + b, 0)).toBe(9);
    expect(shrinkMask(square(), 4).data.reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('does not eat a mask from the image edge', () => {
    expect(Array.from(shrinkMask(createMask(6, 6, 1), 3).data).every((v) => v === 1)).toBe(true);
    const m = maskFromArt([
      '###...',
      '###...',
      '###...',
    ]);
    expect(maskToArt(shrinkMask(m, 1))).toEqual([
      '##....',
      '##....',
      '##....',
    ]);
  });

  for (const r of [1, 3, 5.5]) {
    it(`matches a brute-force erosion, hard and soft (r = ${r})`, () => {
      const hard = randomMask(33, 21, 100 + r, false, 0.85);
      expect(Array.from(shrinkMask(hard, r).data)).toEqual(Array.from(bruteShrink(hard, r)));
      const soft = randomMask(33, 21, 200 + r, true, 0.9);
      const got = shrinkMask(soft, r).data;
      const want = bruteShrink(soft, r);
      // 1 - (1 - v) is not always v in float32; compare to float32 precision.
      for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-6);
    });
  }
});
