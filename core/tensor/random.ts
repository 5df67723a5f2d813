/**
 * Seeded noise: the same seed gives the same Float32Arrays, bit for bit, in
 * every browser and Node on every platform, so a result's reported seed
 * reproduces it anywhere.
 *
 * Choice of generator and transform, and why:
 * - bits: xoshiro128** seeded by SplitMix64 (`prng.ts`): small, fast, well
 *   studied, pure 32-bit integer arithmetic;
 * - normals: inverse CDF (Wichura's AS241, `det-math.ts`) of one uniform per
 *   sample. Box-Muller needs cos/sin and log, Marsaglia's polar method and
 *   the ziggurat need log (and exp), and ECMAScript does not fix the last bit
 *   of those functions (JavaScriptCore uses the OS libm). AS241 needs only
 *   + - * /, sqrt (all correctly rounded by the spec) and, in the tails, a log,
 *   for which we ship a pure-arithmetic port of fdlibm's. One uniform per
 *   sample and no rejection also means sample i always comes from outputs
 *   2i and 2i+1 of the stream.
 *
 * The numbers are not torch's: a seed here does not reproduce an image that
 * diffusers or A1111 made with the same seed (torch's CPU generator is
 * mt19937 + Box-Muller through libm, not reproducible bit for bit in JS).
 */
import { InvalidInputError } from '../image/errors';
import { normalQuantile } from './det-math';
import { shapeSize, type NoiseSource } from './noise';
import { Xoshiro128StarStar } from './prng';

/** Largest seed {@link SeededNoise} accepts: 2^53 - 1 (every safe integer from 0). */
export const MAX_SEED = Number.MAX_SAFE_INTEGER;

/**
 * A {@link NoiseSource} of standard normals from an integer seed. Draws
 * continue one stream in call order; the label is ignored.
 *
 * @example const noise = new SeededNoise(seedFromAny(request.seed)); noise.randn([1, 4, 64, 64], 'initial_noise');
 */
export class SeededNoise implements NoiseSource {
  readonly seed: number;
  private readonly rng: Xoshiro128StarStar;

  /** @param seed a whole number from 0 to 2^53 - 1. */
  constructor(seed: number) {
    checkSeed(seed);
    this.seed = seed;
    this.rng = Xoshiro128StarStar.fromSeed(seed);
  }

  /** `shapeSize(shape)` standard-normal float32 samples, row-major. */
  randn(shape: readonly number[], _label?: string): Float32Array {
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new InvalidInputError(`Noise shapes are whole numbers (got [${shape.join(', ')}]).`);
    }
    const out = new Float32Array(shapeSize(shape));
    for (let i = 0; i < out.length; i++) out[i] = normalQuantile(this.rng.nextOpenUnit());
    return out;
  }

  /** One standard-normal sample as a double (consumes the stream like one element of `randn`). */
  nextNormal(): number {
    return normalQuantile(this.rng.nextOpenUnit());
  }

  /** One uniform sample strictly inside (0, 1) (consumes the stream like one element of `randn`). */
  nextUniform(): number {
    return this.rng.nextOpenUnit();
  }
}

/**
 * The seed to use: `seed` itself when given (a whole number from 0 to
 * 2^53 - 1), otherwise a fresh random 32-bit seed from
 * `crypto.getRandomValues` (32 bits: easy to read back and type in).
 * `-1` also means "random", the convention of A1111 and ComfyUI. Report
 * the returned seed with the result so the user can reproduce it.
 */
export function seedFromAny(seed?: number | null): number {
  if (seed === undefined || seed === null || seed === -1) return randomSeed32();
  checkSeed(seed);
  return seed;
}

function randomSeed32(): number {
  const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint32Array) => Uint32Array } }).crypto;
  if (c?.getRandomValues) return c.getRandomValues(new Uint32Array(1))[0]!;
  // Every supported browser and Node >= 19 has Web Crypto; this only keeps odd hosts working.
  return Math.floor(Math.random() * 0x100000000);
}

function checkSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new InvalidInputError(`The seed must be a whole number from 0 to ${MAX_SEED} (got ${seed}).`);
  }
}
