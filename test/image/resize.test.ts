import { describe, expect, it } from 'vitest';
import { createMask, InvalidInputError, nearestResizeMaskToLatent, resizeMask, resizeRgba, torchNearestIndices } from '../../core/image';
import { noiseImage } from './helpers';

describe('nearestResizeMaskToLatent (torch interpolate, mode nearest)', () => {
  it('64 -> 8 and 96 -> 12 read every 8th pixel from 0', () => {
    expect(Array.from(torchNearestIndices(64, 8))).toEqual([0, 8, 16, 24, 32, 40, 48, 56]);
    expect(Array.from(torchNearestIndices(96, 12))).toEqual([0, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88]);
  });

  it('non-integer ratios: floor(i * in / out)', () => {
    // 100 / 12 = 8.333..: floor(0, 8.33, 16.67, 25, 33.3, 41.7, 50, 58.3, 66.7, 75, 83.3, 91.7)
    expect(Array.from(torchNearestIndices(100, 12))).toEqual([0, 8, 16, 25, 33, 41, 50, 58, 66, 75, 83, 91]);
    // 60 / 8 = 7.5
    expect(Array.from(torchNearestIndices(60, 8))).toEqual([0, 7, 15, 22, 30, 37, 45, 52]);
    // upsampling 3 -> 7: floor(i * 3/7)
    expect(Array.from(torchNearestIndices(3, 7))).toEqual([0, 0, 0, 1, 1, 2, 2]);
  });

  it('computes in float32 like ATen: 26 -> 22 maps output 11 to 12, not 13', () => {
    // float32(26/22) = 1.18181812763..., 11 * that = 12.99999904... in float32 -> floor 12,
    // although 11 * 26 / 22 = 13 exactly.
    const idx = torchNearestIndices(26, 22);
    expect(idx[11]).toBe(12);
    expect(Math.floor((11 * 26) / 22)).toBe(13);
  });

  it('maps rows and columns independently and copies values', () => {
    const m = createMask(96, 64);
    for (let y = 0; y < 64; y++) for (let x = 0; x < 96; x++) m.data[y * 96 + x] = y * 1000 + x;
    const out = nearestResizeMaskToLatent(m, 12, 8);
    expect(out.length).toBe(96);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 12; x++) expect(out[y * 12 + x]).toBe(y * 8 * 1000 + x * 8);
  });
});

describe('resizeRgba', () => {
  it('bilinear 2x upscale has Pillow pixel-centre weights', () => {
    const img = { width: 2, height: 1, data: Uint8ClampedArray.from([0, 0, 0, 255, 200, 200, 200, 255]) };
    const out = resizeRgba(img, 4, 1, 'bilinear');
    expect(Array.from(out.data).filter((_, i) => i % 4 === 0)).toEqual([0, 50, 150, 200]);
  });

  it('shrinking a 1-px checkerboard by 8 averages (gray), where nearest aliases (solid)', () => {
    const n = 64;
    const data = new Uint8ClampedArray(n * n * 4);
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        const v = (x + y) % 2 ? 255 : 0;
        data.set([v, v, v, 255], (y * n + x) * 4);
      }
    }
    const img = { width: n, height: n, data };
    for (const filter of ['bilinear', 'lanczos'] as const) {
      const out = resizeRgba(img, 8, 8, filter);
      for (let i = 0; i < out.data.length; i += 4) {
        expect(Math.abs(out.data[i]! - 127.5)).toBeLessThanOrEqual(1.5);
        expect(out.data[i + 3]).toBe(255);
      }
    }
    const near = resizeRgba(img, 8, 8, 'nearest');
    const values = new Set(Array.from(near.data).filter((_, i) => i % 4 === 0));
    expect([...values].every((v) => v === 0 || v === 255)).toBe(true);
  });

  it('same size is an exact copy; constant images stay constant at any size', () => {
    const img = noiseImage(13, 7, 2, false);
    const same = resizeRgba(img, 13, 7, 'lanczos');
    expect(Array.from(same.data)).toEqual(Array.from(img.data));
    expect(same.data).not.toBe(img.data);
    const flat = { width: 10, height: 10, data: new Uint8ClampedArray(400).fill(77) };
    for (const [w, h] of [
      [3, 4],
      [25, 31],
      [10, 3],
    ] as const) {
      for (const f of ['nearest', 'bilinear', 'lanczos'] as const) {
        expect(Array.from(resizeRgba(flat, w, h, f).data).every((v) => v === 77)).toBe(true);
      }
    }
  });

  it('resamples in premultiplied alpha: a transparent pixel does not bleed its hidden colour', () => {
    // [transparent red, opaque blue] -> 1 pixel: half transparent, pure blue.
    const img = { width: 2, height: 1, data: Uint8ClampedArray.from([255, 0, 0, 0, 0, 0, 255, 255]) };
    const out = resizeRgba(img, 1, 1, 'bilinear');
    expect(Array.from(out.data)).toEqual([0, 0, 255, 128]);
  });

  it('nearest uses pixel centres (Pillow NEAREST)', () => {
    const img = { width: 4, height: 1, data: Uint8ClampedArray.from([0, 0, 0, 255, 1, 1, 1, 255, 2, 2, 2, 255, 3, 3, 3, 255]) };
    expect(Array.from(resizeRgba(img, 2, 1, 'nearest').data).filter((_, i) => i % 4 === 0)).toEqual([1, 3]);
  });

  it('rejects bad sizes and filters', () => {
    const img = noiseImage(4, 4);
    expect(() => resizeRgba(img, 0, 4)).toThrow(InvalidInputError);
    expect(() => resizeRgba(img, 4.5, 4)).toThrow(InvalidInputError);
    expect(() => resizeRgba(img, 4, 4, 'cubic' as 'nearest')).toThrow(InvalidInputError);
  });
});

describe('resizeMask', () => {
  it('nearest keeps a hard mask hard; lanczos stays within [0, 1]', () => {
    const m = createMask(16, 16);
    for (let y = 4; y < 12; y++) for (let x = 4; x < 12; x++) m.data[y * 16 + x] = 1;
    const near = resizeMask(m, 37, 23, 'nearest');
    expect(near.data.every((v) => v === 0 || v === 1)).toBe(true);
    const up = resizeMask(m, 40, 40, 'lanczos');
    expect(Math.min(...up.data)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...up.data)).toBeLessThanOrEqual(1);
    expect(up.data.some((v) => v > 0 && v < 1)).toBe(true);
  });

  it('area-correct: an 8x8 block shrunk 8x keeps its total coverage', () => {
    const m = createMask(64, 64);
    for (let y = 16; y < 24; y++) for (let x = 32; x < 40; x++) m.data[y * 64 + x] = 1;
    const small = resizeMask(m, 8, 8, 'bilinear');
    const total = small.data.reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(1, 5); // coverage area is conserved (64 px -> 1 px)
  });
});
