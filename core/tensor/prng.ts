/**
 * The uniform random bits behind seeded noise: xoshiro128** 1.1 (Blackman &
 * Vigna, prng.di.unimi.it), seeded through SplitMix64 as its authors
 * recommend. Only 32-bit integer operations (`Math.imul`, shifts, `>>> 0`),
 * so every JS engine on every platform produces the same stream, and the
 * reference C code (`xoshiro128starstar.c`, `splitmix64.c`) reproduces it.
 */

const MASK64 = (1n << 64n) - 1n;

/** SplitMix64 outputs from a 64-bit state (BigInt: used only for seeding, a few calls per run). */
export function splitMix64(seed: bigint, count: number): bigint[] {
  let x = BigInt.asUintN(64, seed);
  const out: bigint[] = [];
  for (let i = 0; i < count; i++) {
    x = (x + 0x9e3779b97f4a7c15n) & MASK64;
    let z = x;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    out.push(z ^ (z >> 31n));
  }
  return out;
}

/** xoshiro128**: 128-bit state, period 2^128 - 1, 32-bit outputs. */
export class Xoshiro128StarStar {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** From the four 32-bit state words (not all zero). */
  constructor(s0: number, s1: number, s2: number, s3: number) {
    this.s0 = s0 >>> 0;
    this.s1 = s1 >>> 0;
    this.s2 = s2 >>> 0;
    this.s3 = s3 >>> 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) throw new RangeError('xoshiro128** state must not be all zero.');
  }

  /**
   * From a non-negative integer seed below 2^53: two SplitMix64 outputs of the
   * seed, low word first, fill the state.
   */
  static fromSeed(seed: number): Xoshiro128StarStar {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`A seed is a whole number from 0 to 2^53 - 1 (got ${seed}).`);
    const [a, b] = splitMix64(BigInt(seed), 2) as [bigint, bigint];
    const w = (v: bigint): number => Number(v & 0xffffffffn);
    const st = [w(a), w(a >> 32n), w(b), w(b >> 32n)];
    // SplitMix64 never yields two zero outputs in a row; the guard costs nothing.
    if (!st.some((v) => v !== 0)) st[0] = 1;
    return new Xoshiro128StarStar(st[0]!, st[1]!, st[2]!, st[3]!);
  }

  /** Next 32-bit output as an unsigned integer. */
  nextUint32(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 = s1 ^ this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /**
   * A uniform double strictly inside (0, 1) on the grid `(2k + 1) / 2^53`,
   * k < 2^52, from the top 26 bits of two outputs. The grid is symmetric
   * (1 - u is exact and on it) and never touches 0 or 1, so a quantile
   * function of u never sees an infinite tail.
   */
  nextOpenUnit(): number {
    const hi = this.nextUint32() >>> 6;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo + 0.5) / 4503599627370496; // (k + 0.5) / 2^52, exact
  }

  /** The state words, to checkpoint or compare streams. */
  state(): [number, number, number, number] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
