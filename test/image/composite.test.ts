import { describe, expect, it } from 'vitest';
import { compositeMasked, createMask, featherMask, InvalidInputError } from '../../core/image';
import { noiseImage } from './helpers';

describe('compositeMasked', () => {
  it('m == 0 pixels are the original byte for byte, m == 1 pixels the generated colour', () => {
    const original = noiseImage(32, 24, 1, false);
    const generated = noiseImage(32, 24, 2, true);
    const m = createMask(32, 24);
    for (let y = 8; y < 16; y++) for (let x = 10; x < 20; x++) m.data[y * 32 + x] = 1;
    const soft = featherMask(m, 4); // soft ramp, zero far away
    for (const mask of [m, soft]) {
      const out = compositeMasked(original, generated, mask);
      for (let i = 0; i < 32 * 24; i++) {
        const v = mask.data[i]!;
        for (let c = 0; c < 4; c++) {
          const o = original.data[i * 4 + c]!;
          const g = generated.data[i * 4 + c]!;
          const got = out.data[i * 4 + c]!;
          if (v === 0 || c === 3) expect(got).toBe(o);
          else if (v === 1) expect(got).toBe(g);
          else expect(Math.abs(got - (o * (1 - v) + g * v))).toBeLessThanOrEqual(0.5 + 1e-9);
        }
      }
    }
  });

  it('blends per channel and rounds', () => {
    const original = { width: 1, height: 1, data: Uint8ClampedArray.from([0, 100, 255, 200]) };
    const generated = { width: 1, height: 1, data: Uint8ClampedArray.from([255, 100, 0, 255]) };
    const out = compositeMasked(original, generated, { width: 1, height: 1, data: Float32Array.from([0.25]) });
    expect(Array.from(out.data)).toEqual([64, 100, 191, 200]);
    const blended = compositeMasked(original, generated, { width: 1, height: 1, data: Float32Array.from([0.25]) }, { alpha: 'blend' });
    expect(blended.data[3]).toBe(214); // 200 + 55 * 0.25 = 213.75
  });

  it('treats coverage outside [0, 1] and NaN as clamped / 0', () => {
    const original = { width: 3, height: 1, data: new Uint8ClampedArray(12).fill(10) };
    const generated = { width: 3, height: 1, data: new Uint8ClampedArray(12).fill(250) };
    const out = compositeMasked(original, generated, { width: 3, height: 1, data: Float32Array.from([-1, 2, NaN]) });
    expect(Array.from(out.data)).toEqual([10, 10, 10, 10, 250, 250, 250, 10, 10, 10, 10, 10]);
  });

  it('needs three images of one size', () => {
    const a = noiseImage(4, 4);
    expect(() => compositeMasked(a, noiseImage(4, 5), createMask(4, 4))).toThrow(InvalidInputError);
    expect(() => compositeMasked(a, noiseImage(4, 4), createMask(5, 4))).toThrow(/must have the size of the original/);
  });
});
