import { describe, expect, it } from 'vitest';
import { blurMask, createMask, featherMask, type Mask } from '../../core/image';

/** Reference: 2-D Gaussian (separable product) with OpenCV's BORDER_REFLECT_101, radius `radius`. */
function bruteGaussian(m: Mask, sigma: number, radius = Math.floor(2.5 * sigma + 0.5)): Float64Array {
  const refl = (i: number, n: number): number => {
    if (n === 1) return 0;
    const p = 2 * n - 2;
    let j = ((i % p) + p) % p;
    return j < n ? j : p - j;
  };
  const k: number[] = [];
  for (let i = -radius; i <= radius; i++) k.push(Math.exp(-(i * i) / (2 * sigma * sigma)));
  const sum = k.reduce((a, b) => a + b, 0);
  const kn = k.map((v) => v / sum);
  const out = new Float64Array(m.data.length);
  for (let y = 0; y < m.height; y++) {
    for (let x = 0; x < m.width; x++) {
      let acc = 0;
      for (let dy = -radius; dy <= radius; dy++) {
        for (let dx = -radius; dx <= radius; dx++) {
          acc += kn[dy + radius]! * kn[dx + radius]! * m.data[refl(y + dy, m.height) * m.width + refl(x + dx, m.width)]!;
        }
      }
      out[y * m.width + x] = acc;
    }
  }
  return out;
}

function stepMask(w: number, h: number, edgeX: number): Mask {
  const m = createMask(w, h);
  for (let y = 0; y < h; y++) for (let x = edgeX; x < w; x++) m.data[y * w + x] = 1;
  return m;
}

describe('blurMask (A1111 mask blur = Gaussian with sigma = blur)', () => {
  for (const sigma of [0.5, 1, 2.3, 4]) {
    it(`matches a direct 2-D Gaussian with reflected borders (sigma ${sigma})`, () => {
      const m = createMask(23, 17);
      m.data[5 * 23 + 4] = 1;
      m.data[0] = 1;
      for (let x = 10; x < 23; x++) m.data[12 * 23 + x] = 0.5;
      const got = blurMask(m, sigma).data;
      const want = bruteGaussian(m, sigma);
      for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-6);
    });
  }

  it('wide kernels (three box blurs) stay within 2 % of the true Gaussian', () => {
    const m = stepMask(120, 3, 60);
    m.data.fill(0, 1 * 120 + 80, 2 * 120); // a bar, so both edges and a plateau show
    const sigma = 8; // radius 20: box path
    const got = blurMask(m, sigma).data;
    const want = bruteGaussian(m, sigma, 40);
    let maxErr = 0;
    for (let i = 0; i < got.length; i++) maxErr = Math.max(maxErr, Math.abs(got[i]! - want[i]!));
    expect(maxErr).toBeLessThan(0.02);
  });

  it('keeps constants and the values of a hard edge far from it; 0 is a copy', () => {
    const full = blurMask(createMask(30, 20, 1), 6).data;
    for (const v of full) expect(Math.abs(v - 1)).toBeLessThan(1e-6);
    const m = stepMask(64, 4, 32);
    const b = blurMask(m, 2).data;
    expect(b[0]).toBe(0);
    expect(b[63]).toBe(1);
    expect(Array.from(blurMask(m, 0).data)).toEqual(Array.from(m.data));
  });
});

describe('featherMask', () => {
  it('is a Gaussian with sigma = px / 2: the edge ramps over about +-px, symmetric around 0.5', () => {
    const px = 8;
    const m = stepMask(100, 1, 50);
    const f = featherMask(m, px).data;
    const g = blurMask(m, px / 2).data;
    expect(Array.from(f)).toEqual(Array.from(g));
    // symmetric: f(50 + k) + f(49 - k) = 1
    for (let k = 0; k < 20; k++) expect(Math.abs(f[50 + k]! + f[49 - k]! - 1)).toBeLessThan(1e-6);
    // monotone ramp, nearly 0 / 1 beyond px
    for (let x = 1; x < 100; x++) expect(f[x]!).toBeGreaterThanOrEqual(f[x - 1]! - 1e-7);
    expect(f[50 - px - 1]!).toBeLessThan(0.03);
    expect(f[50 + px]!).toBeGreaterThan(0.97);
    expect(f[49]!).toBeGreaterThan(0.3);
    expect(f[50]!).toBeLessThan(0.7);
  });

  it('a mask running off the image edge keeps full coverage at the edge', () => {
    const m = stepMask(40, 40, 20);
    const f = featherMask(m, 10).data;
    for (let y = 0; y < 40; y++) expect(f[y * 40 + 39]).toBeGreaterThan(0.999);
  });
});
