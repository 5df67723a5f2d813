import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../core/image';
import { add, concatBatch, concatChannels, lerp, repeatBatch, scale, sliceBatch } from '../../core/tensor';

const seq = (n: number, start = 0): Float32Array => Float32Array.from({ length: n }, (_, i) => start + i);

describe('tensor ops', () => {
  it('repeatBatch tiles the whole batch (torch .repeat)', () => {
    expect(Array.from(repeatBatch(seq(4), [2, 1, 1, 2], 2))).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
    expect(() => repeatBatch(seq(4), [2, 1, 1, 2], 0)).toThrow(InvalidInputError);
    expect(() => repeatBatch(seq(4), [2, 1, 1, 3], 1)).toThrow(InvalidInputError);
  });

  it('concatChannels interleaves per image (torch.cat dim=1)', () => {
    // a: [2, 1, 1, 2], b: [2, 2, 1, 2]
    const a = Float32Array.from([1, 2, 3, 4]);
    const b = Float32Array.from([10, 11, 12, 13, 20, 21, 22, 23]);
    expect(Array.from(concatChannels(a, [2, 1, 1, 2], b, [2, 2, 1, 2]))).toEqual([1, 2, 10, 11, 12, 13, 3, 4, 20, 21, 22, 23]);
    expect(() => concatChannels(a, [2, 1, 1, 2], b, [1, 4, 1, 2])).toThrow(InvalidInputError);
  });

  it('concatBatch and sliceBatch (torch.cat dim=0, x[s:e])', () => {
    const ab = concatBatch(seq(4), [1, 4], seq(8, 100), [2, 4]);
    expect(Array.from(ab)).toEqual([0, 1, 2, 3, 100, 101, 102, 103, 104, 105, 106, 107]);
    expect(Array.from(sliceBatch(ab, [3, 4], 1, 2))).toEqual([100, 101, 102, 103]);
    expect(() => concatBatch(seq(4), [1, 4], seq(6), [2, 3])).toThrow(InvalidInputError);
    expect(() => sliceBatch(ab, [3, 4], 2, 2)).toThrow(InvalidInputError);
    const s = sliceBatch(ab, [3, 4], 0, 1);
    s[0] = 42;
    expect(ab[0]).toBe(0); // a copy
  });

  it('scale, add, lerp (exact at the ends)', () => {
    expect(Array.from(scale(Float32Array.from([1, -2]), 0.5))).toEqual([0.5, -1]);
    expect(Array.from(add(Float32Array.from([1, 2]), Float32Array.from([3, 4])))).toEqual([4, 6]);
    const a = Float32Array.from([0.1, 7, -3]);
    const b = Float32Array.from([1e-8, -2.5, 1e6]);
    expect(Array.from(lerp(a, b, 0))).toEqual(Array.from(a));
    expect(Array.from(lerp(a, b, 1))).toEqual(Array.from(b));
    expect(lerp(a, b, 0.5)[1]).toBeCloseTo(2.25, 6);
    expect(() => add(a, seq(2))).toThrow(InvalidInputError);
  });
});
