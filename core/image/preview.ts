/**
 * Live previews during denoising without running the VAE decoder: a linear
 * map from the 4 latent channels to RGB, about a microsecond per latent pixel.
 *
 * The coefficients are the SD 1.x latent -> RGB least-squares fit posted by
 * Keturn ("Decoding latents to RGB without upscaling", Hugging Face forum,
 * discuss.huggingface.co/t/decoding-latents-to-rgb-without-upscaling/23204),
 * the "Approx cheap" live preview of AUTOMATIC1111's webui
 * (`modules/sd_vae_approx.py`, `cheap_approximation`). As there, they apply
 * to the latents the sampler holds (already multiplied by the VAE scaling
 * factor 0.18215) and give RGB in about [-1, 1].
 *
 * They are fitted to the real SD 1.x VAE; for other latent spaces (or the
 * random-weight fixtures) the colours mean nothing, but the layout still
 * shows.
 */
import { InvalidInputError } from './errors';
import type { RgbaImage } from './types';

/** Rows: latent channels 0..3; columns: R, G, B. */
export const SD1_LATENT_RGB_FACTORS: readonly (readonly [number, number, number])[] = [
  [0.298, 0.207, 0.208],
  [0.187, 0.286, 0.173],
  [-0.158, 0.189, 0.264],
  [-0.184, -0.271, -0.473],
];

/** Options of {@link latentsToPreview}. */
export interface PreviewOptions {
  /**
   * Whole-number upscale factor, nearest neighbour (default 1: the preview
   * is latent-sized, 1/8 of the image per side; hosts can scale it with CSS
   * `image-rendering: pixelated` for free). 8 gives the image's size.
   */
  scale?: number;
  /** Latent channel -> RGB matrix (4 rows of [R, G, B]); default {@link SD1_LATENT_RGB_FACTORS}. */
  factors?: readonly (readonly [number, number, number])[];
}

/**
 * An RGBA preview (opaque) of image `index` of latents `[B, 4, h, w]`:
 * `rgb = latents^T x factors`, then `clamp((rgb + 1) / 2, 0, 1) x 255`.
 */
export function latentsToPreview(latents: Float32Array, dims: readonly number[], index = 0, opts: PreviewOptions = {}): RgbaImage {
  if (dims.length !== 4 || !dims.every((d) => Number.isInteger(d) && d > 0)) {
    throw new InvalidInputError(`Latents have dims [B, 4, h, w] (got [${dims.join(', ')}]).`);
  }
  const [b, c, h, w] = dims as [number, number, number, number];
  const factors = opts.factors ?? SD1_LATENT_RGB_FACTORS;
  if (c !== factors.length) throw new InvalidInputError(`The preview maps ${factors.length} latent channels (got ${c}).`);
  if (latents.length !== b * c * h * w) {
    throw new InvalidInputError(`Latents of dims [${dims.join(', ')}] have ${b * c * h * w} values (got ${latents.length}).`);
  }
  if (!Number.isInteger(index) || index < 0 || index >= b) throw new InvalidInputError(`Image index ${index} is outside the batch of ${b}.`);
  const scale = opts.scale ?? 1;
  if (!Number.isInteger(scale) || scale < 1 || scale > 64) throw new InvalidInputError(`The preview scale is a whole number from 1 to 64 (got ${scale}).`);

  const plane = h * w;
  const base = index * c * plane;
  const small = new Uint8ClampedArray(plane * 4);
  for (let i = 0; i < plane; i++) {
    let r = 0;
    let g = 0;
    let bl = 0;
    for (let ch = 0; ch < c; ch++) {
      const v = latents[base + ch * plane + i]!;
      const f = factors[ch]!;
      r += v * f[0];
      g += v * f[1];
      bl += v * f[2];
    }
    // Uint8ClampedArray clamps to 0..255 (and maps NaN to 0).
    small[i * 4] = Math.round(((r + 1) / 2) * 255);
    small[i * 4 + 1] = Math.round(((g + 1) / 2) * 255);
    small[i * 4 + 2] = Math.round(((bl + 1) / 2) * 255);
    small[i * 4 + 3] = 255;
  }
  if (scale === 1) return { width: w, height: h, data: small };

  const W = w * scale;
  const H = h * scale;
  const big = new Uint8ClampedArray(W * H * 4);
  const u32s = new Uint32Array(small.buffer);
  const u32b = new Uint32Array(big.buffer);
  for (let y = 0; y < H; y++) {
    const srow = Math.floor(y / scale) * w;
    const drow = y * W;
    for (let x = 0; x < W; x++) u32b[drow + x] = u32s[srow + Math.floor(x / scale)]!;
  }
  return { width: W, height: H, data: big };
}
