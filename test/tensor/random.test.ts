import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../core/image';
import { detLog, MAX_SEED, normalQuantile, SeededNoise, seedFromAny, splitMix64, Xoshiro128StarStar } from '../../core/tensor';

describe('Xoshiro128StarStar seeded by SplitMix64', () => {
  it('matches the reference C code (splitmix64.c + xoshiro128starstar.c)', () => {
    // gcc output of the authors' reference code, state = two splitmix64(seed) outputs, low word first
    const want: Record<number, number[]> = {
      42: [1776835114, 4165204688, 17111135, 2317295270, 2792088233, 2554630222],
      0: [3737715805, 2584255861, 2876756834, 3286328325, 1553311962, 1625202774],
      [MAX_SEED]: [1233166643, 1287031142, 661813442, 2960669951, 2601079046, 1036114921],
    };
    for (const [seed, outs] of Object.entries(want)) {
      const r = Xoshiro128StarStar.fromSeed(Number(seed));
      expect(outs.map(() => r.nextUint32())).toEqual(outs);
    }
  });

  it('SplitMix64 of 0 starts with the published value', () => {
    expect(splitMix64(0n, 1)[0]).toBe(0xe220a8397b1dcdafn);
  });

  it('uniforms are on the open (k + 0.5) / 2^52 grid', () => {
    const r = Xoshiro128StarStar.fromSeed(1);
    for (let i = 0; i < 1000; i++) {
      const u = r.nextOpenUnit();
      expect(u > 0 && u < 1).toBe(true);
      expect((u * 2 ** 52) % 1).toBe(0.5);
    }
  });
});

describe('deterministic math', () => {
  it('detLog is fdlibm: bit-identical to V8 Math.log, which is the same port', () => {
    const r = Xoshiro128StarStar.fromSeed(3);
    for (let i = 0; i < 20000; i++) {
      const u = r.nextOpenUnit();
      const x = u * 2 ** ((i % 200) - 100);
      expect(detLog(x)).toBe(Math.log(x));
    }
    for (const x of [1, 2, 0.5, Math.E, 1 + 2 ** -30, 1 - 2 ** -30, Number.MIN_VALUE, 2 ** -1030, Number.MAX_VALUE]) expect(detLog(x)).toBe(Math.log(x));
    expect(detLog(0)).toBe(-Infinity);
    expect(detLog(-1)).toBeNaN();
    expect(detLog(Infinity)).toBe(Infinity);
  });

  it('normalQuantile (AS241) inverts the normal CDF', () => {
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 14);
    expect(normalQuantile(0.025)).toBeCloseTo(-1.959963984540054, 14);
    expect(normalQuantile(0.8413447460685429)).toBeCloseTo(1, 12);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 12);
    expect(normalQuantile(2 ** -53)).toBeCloseTo(-8.209536151601386, 12);
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(normalQuantile(1.5)).toBeNaN();
    // Python's statistics.NormalDist().inv_cdf (also AS241): same values in the central region, bit for bit.
    expect(normalQuantile(0.3)).toBe(-0.5244005127080407);
    expect(normalQuantile(0.9)).toBe(1.2815515655446008);
    expect(normalQuantile(0.975)).toBe(1.9599639845400536);
  });
});

describe('SeededNoise', () => {
  it('pinned: the first 8 values for seed 42 (a change to the generator must be deliberate)', () => {
    const v = new SeededNoise(42).randn([8], 'initial_noise');
    expect(Array.from(v)).toEqual([
      -0.2180330753326416, -2.6534230709075928, 0.3855464458465576, 0.4806068241596222, 0.9567270874977112, 0.6317999958992004,
      0.862539529800415, -0.9685653448104858,
    ]);
  });

  it('same seed, same numbers; different seeds differ; draws continue one stream', () => {
    const a = new SeededNoise(1234).randn([2, 4, 8, 8], 'a');
    const b = new SeededNoise(1234).randn([2, 4, 8, 8], 'b');
    expect(Array.from(a)).toEqual(Array.from(b));
    const c = new SeededNoise(1235).randn([2, 4, 8, 8], 'a');
    expect(Array.from(c)).not.toEqual(Array.from(a));
    let same = 0;
    for (let i = 0; i < a.length; i++) if (a[i] === c[i]) same++;
    expect(same).toBe(0);
    const s = new SeededNoise(1234);
    const first = s.randn([100], 'x');
    const second = s.randn([412], 'y');
    expect([...first, ...second]).toEqual(Array.from(a));
    expect(new SeededNoise(MAX_SEED).randn([3], 'z').length).toBe(3);
  });

  it('standard normal: mean ~ 0, std ~ 1, tails as expected over 1e5 samples', () => {
    const n = 100_000;
    const v = new SeededNoise(7).randn([n], 'x');
    let sum = 0;
    let sq = 0;
    let beyond2 = 0;
    for (const x of v) {
      sum += x;
      sq += x * x;
      if (Math.abs(x) > 2) beyond2++;
    }
    const mean = sum / n;
    const std = Math.sqrt(sq / n - mean * mean);
    expect(Math.abs(mean)).toBeLessThan(0.01); // 3.2 standard errors
    expect(Math.abs(std - 1)).toBeLessThan(0.01);
    expect(Math.abs(beyond2 / n - 0.0455)).toBeLessThan(0.003);
  });

  it('rejects seeds that are not whole numbers from 0 to 2^53 - 1', () => {
    for (const bad of [-2, 1.5, NaN, Infinity, 2 ** 53]) expect(() => new SeededNoise(bad)).toThrow(InvalidInputError);
  });
});

describe('seedFromAny', () => {
  it('keeps a given seed, draws a random 32-bit one otherwise (also for -1)', () => {
    expect(seedFromAny(42)).toBe(42);
    expect(seedFromAny(0)).toBe(0);
    const drawn = new Set<number>();
    for (let i = 0; i < 20; i++) {
      for (const s of [seedFromAny(), seedFromAny(-1), seedFromAny(null)]) {
        expect(Number.isInteger(s) && s >= 0 && s < 2 ** 32).toBe(true);
        drawn.add(s);
      }
    }
    expect(drawn.size).toBeGreaterThan(50);
    expect(() => seedFromAny(3.5)).toThrow(InvalidInputError);
  });
});
