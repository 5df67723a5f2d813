/**
 * Putting generated pixels back into the original: the last step of every
 * masked edit. The VAE round trip alters every pixel a little, so without
 * this the "unmasked" area would come back subtly changed.
 */
import { InvalidInputError } from './errors';
import { assertMask, assertRgba, type Mask, type RgbaImage } from './types';

/** Options of {@link compositeMasked}. */
export interface CompositeOptions {
  /**
   * `'original'` (default): alpha is the original's everywhere.
   * `'blend'`: alpha is blended like colour, so a masked transparent area
   * (outpainting into empty canvas) becomes as opaque as the generated pixels.
   */
  alpha?: 'original' | 'blend';
}

/**
 * `original * (1 - m) + generated * m` per colour channel, rounded to 8 bits,
 * with `m` the mask's coverage clamped to [0, 1]. Where `m` is 0 the output
 * bytes are the original's exactly; where it is 1, the generated colour.
 *
 * @throws {@link InvalidInputError} when the three sizes differ.
 */
export function compositeMasked(original: RgbaImage, generated: RgbaImage, mask: Mask, opts: CompositeOptions = {}): RgbaImage {
  assertRgba(original, 'The original image');
  assertRgba(generated, 'The generated image');
  assertMask(mask);
  for (const [what, s] of [
    ['generated image', generated],
    ['mask', mask],
  ] as const) {
    if (s.width !== original.width || s.height !== original.height) {
      throw new InvalidInputError(
        `The ${what} (${s.width}x${s.height}) must have the size of the original image (${original.width}x${original.height}).`,
      );
    }
  }
  const blendAlpha = opts.alpha === 'blend';
  const o = original.data;
  const g = generated.data;
  const out = new Uint8ClampedArray(o); // m = 0 everywhere to start: the original, bytewise
  const n = original.width * original.height;
  for (let i = 0; i < n; i++) {
    const raw = mask.data[i]!;
    if (!(raw > 0)) continue; // 0, negative or NaN: keep the original
    const m = raw < 1 ? raw : 1;
    const p = i * 4;
    // o + (g - o) * m is exactly o at m = 0 and exactly g at m = 1.
    out[p] = Math.round(o[p]! + (g[p]! - o[p]!) * m);
    out[p + 1] = Math.round(o[p + 1]! + (g[p + 1]! - o[p + 1]!) * m);
    out[p + 2] = Math.round(o[p + 2]! + (g[p + 2]! - o[p + 2]!) * m);
    if (blendAlpha) out[p + 3] = Math.round(o[p + 3]! + (g[p + 3]! - o[p + 3]!) * m);
  }
  return { width: original.width, height: original.height, data: out };
}
