import { describe, expect, it } from 'vitest';
import {
  binarize,
  clampMask,
  createMask,
  InvalidInputError,
  invert,
  isEmpty,
  isFull,
  maskBounds,
  maskFromImage,
  maskToImage,
} from '../../core/image';
import { maskFromArt } from './helpers';

const rgba = (pixels: number[][]): { width: number; height: number; data: Uint8ClampedArray } => ({
  width: pixels.length,
  height: 1,
  data: Uint8ClampedArray.from(pixels.flat()),
});

describe('maskFromImage', () => {
  it('gray levels / 255 from a gray image (R = G = B)', () => {
    const m = maskFromImage(rgba([[0, 0, 0, 255], [255, 255, 255, 255], [128, 128, 128, 0]]));
    expect(Array.from(m.data)).toEqual([0, 1, Math.fround(128 / 255)]);
  });

  it("RGB uses PIL's convert('L') luminance, rounded to an 8-bit level", () => {
    // PIL: L = (R * 19595 + G * 38470 + B * 7471 + 0x8000) >> 16
    const m = maskFromImage(rgba([[255, 0, 0, 255], [0, 255, 0, 255], [0, 0, 255, 255], [10, 200, 30, 255]]));
    expect(Array.from(m.data).map((v) => Math.round(v * 255))).toEqual([76, 150, 29, 124]);
  });

  it("'alpha' reads coverage from alpha", () => {
    const m = maskFromImage(rgba([[255, 255, 255, 0], [0, 0, 0, 255], [0, 0, 0, 51]]), 'alpha');
    expect(Array.from(m.data)).toEqual([0, 1, Math.fround(0.2)]);
  });

  it('refuses a malformed image', () => {
    expect(() => maskFromImage({ width: 2, height: 2, data: new Uint8ClampedArray(3) })).toThrow(InvalidInputError);
  });

  it('maskToImage writes coverage back as opaque gray', () => {
    const img = maskToImage({ width: 2, height: 1, data: Float32Array.from([0.5, 2]) });
    expect(Array.from(img.data)).toEqual([128, 128, 128, 255, 255, 255, 255, 255]);
  });
});

describe('binarize / invert / clamp', () => {
  it('binarize: >= 0.5 -> 1 (diffusers), custom threshold', () => {
    const m = { width: 5, height: 1, data: Float32Array.from([0, 0.4999, 0.5, 0.7, 1]) };
    expect(Array.from(binarize(m).data)).toEqual([0, 0, 1, 1, 1]);
    expect(Array.from(binarize(m, 0.6).data)).toEqual([0, 0, 0, 1, 1]);
    expect(Array.from(m.data)).toEqual(Array.from(Float32Array.from([0, 0.4999, 0.5, 0.7, 1]))); // input untouched
  });

  it('invert is 1 - m', () => {
    expect(Array.from(invert({ width: 3, height: 1, data: Float32Array.from([0, 0.25, 1]) }).data)).toEqual([1, 0.75, 0]);
  });

  it('clampMask keeps [0, 1] and maps NaN to 0', () => {
    expect(Array.from(clampMask({ width: 4, height: 1, data: Float32Array.from([-1, 0.5, 3, NaN]) }).data)).toEqual([0, 0.5, 1, 0]);
  });
});

describe('isEmpty / isFull', () => {
  it('exact by default, thresholds on request', () => {
    expect(isEmpty(createMask(3, 3))).toBe(true);
    expect(isFull(createMask(3, 3, 1))).toBe(true);
    const faint = createMask(3, 3);
    faint.data[4] = 0.1;
    expect(isEmpty(faint)).toBe(false);
    expect(isEmpty(faint, 0.5)).toBe(true);
    expect(isEmpty(binarize(faint))).toBe(true);
    const almost = createMask(3, 3, 1);
    almost.data[0] = 0.6;
    expect(isFull(almost)).toBe(false);
    expect(isFull(almost, 0.5)).toBe(true);
  });
});

describe('maskBounds', () => {
  it('bounding box of covered pixels', () => {
    const m = maskFromArt([
      '......',
      '..#...',
      '....#.',
      '......',
    ]);
    expect(maskBounds(m)).toEqual({ x: 2, y: 1, width: 3, height: 2 });
  });

  it('null when nothing is covered; threshold excludes faint pixels', () => {
    expect(maskBounds(createMask(4, 4))).toBeNull();
    const m = maskFromArt([
      '1...',
      '.#..',
      '....',
    ]);
    expect(maskBounds(m)).toEqual({ x: 0, y: 0, width: 2, height: 2 });
    expect(maskBounds(m, 0.5)).toEqual({ x: 1, y: 1, width: 1, height: 1 });
  });

  it('whole image and single corner pixel', () => {
    expect(maskBounds(createMask(7, 5, 1))).toEqual({ x: 0, y: 0, width: 7, height: 5 });
    const m = createMask(7, 5);
    m.data[7 * 5 - 1] = 1;
    expect(maskBounds(m)).toEqual({ x: 6, y: 4, width: 1, height: 1 });
  });
});
