import { describe, expect, it } from 'vitest';
import { float16ToFloat32, float32ToFloat16, fromFloat16Bits, toFloat16Bits } from '../../core/runtime';

describe('float16 conversion', () => {
  it('encodes known values', () => {
    const cases: [number, number][] = [
      [1, 0x3c00],
      [-2, 0xc000],
      [0, 0x0000],
      [-0, 0x8000],
      [0.5, 0x3800],
      [65504, 0x7bff], // largest finite half
      [65519, 0x7bff], // rounds down to 65504
      [65520, 0x7c00], // rounds up to Infinity
      [1e6, 0x7c00],
      [-1e6, 0xfc00],
      [Infinity, 0x7c00],
      [-Infinity, 0xfc00],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -14 - 2 ** -24, 0x03ff], // largest subnormal
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // exactly halfway to 0: ties to even
      [1.5 * 2 ** -25, 0x0001],
      [2 ** -26, 0x0000],
      [3 * 2 ** -25, 0x0002], // halfway between 1 and 2 subnormal units: ties to even (2)
      [1 + 2 ** -11, 0x3c00], // halfway between 1 and next: ties to even
      [1 + 3 * 2 ** -11, 0x3c02],
      [1 / 3, 0x3555],
      [0.1, 0x2e66],
      [1e-10, 0x0000],
    ];
    for (const [value, bits] of cases) expect([value, toFloat16Bits(value)]).toEqual([value, bits]);
  });

  it('NaN stays NaN', () => {
    const bits = toFloat16Bits(NaN);
    expect(bits & 0x7c00).toBe(0x7c00);
    expect(bits & 0x3ff).not.toBe(0);
    expect(fromFloat16Bits(0x7e00)).toBeNaN();
  });

  it('decodes known values', () => {
    expect(fromFloat16Bits(0x3c00)).toBe(1);
    expect(fromFloat16Bits(0x7bff)).toBe(65504);
    expect(fromFloat16Bits(0x0001)).toBe(2 ** -24);
    expect(fromFloat16Bits(0x03ff)).toBe(2 ** -14 - 2 ** -24);
    expect(fromFloat16Bits(0x7c00)).toBe(Infinity);
    expect(fromFloat16Bits(0xfc00)).toBe(-Infinity);
    expect(Object.is(fromFloat16Bits(0x8000), -0)).toBe(true);
  });

  it('round-trips every non-NaN half exactly', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const asFloat = float16ToFloat32(all);
    const back = float32ToFloat16(asFloat);
    for (let i = 0; i < 65536; i++) {
      const isNaN = (i & 0x7c00) === 0x7c00 && (i & 0x3ff) !== 0;
      if (isNaN) expect(asFloat[i]).toBeNaN();
      else if (back[i] !== i) expect([i, back[i]]).toEqual([i, i]);
    }
  });

  it('float32 -> float16 -> float32 stays within half precision', () => {
    const values = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 100);
    const back = float16ToFloat32(float32ToFloat16(values));
    for (let i = 0; i < values.length; i++) {
      expect(Math.abs(back[i]! - values[i]!)).toBeLessThanOrEqual(Math.abs(values[i]!) * 2 ** -11);
    }
  });
});
