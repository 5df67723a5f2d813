/**
 * Inpainting with a dedicated 9-channel UNet, as diffusers'
 * StableDiffusionInpaintPipeline: the UNet sees the noisy latents, the mask
 * and the latents of the image with the hole blanked out.
 */
import { nearestResizeMaskToLatent } from '../image';
import { concatChannels, repeatBatch } from '../tensor';
import { encodeLatents, initialLatents, scaleLatents } from './latents';
import { latentDims, type ModelRun, type ModelRunResult } from './model-run';
import { strengthTimesteps } from './strength';
import { denoiseWithTextGuidance } from './text-guided';

/** A binarised mask at model resolution: `H * W` values, 1 = repaint. */
export interface ModelMask {
  data: Float32Array;
  width: number;
  height: number;
}

/** `image * (mask < 0.5)`: the image with the area to repaint set to 0 (mid grey in [-1, 1]). */
export function maskedPixels(pixels: Float32Array, mask: ModelMask): Float32Array {
  const plane = mask.width * mask.height;
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = mask.data[i % plane]! < 0.5 ? pixels[i]! : 0;
  return out;
}

/** The mask at latent size, nearest-neighbour like diffusers' `interpolate`. */
export function latentMask(run: ModelRun, mask: ModelMask): Float32Array {
  const [, , h, w] = latentDims(run);
  return nearestResizeMaskToLatent(mask, w, h);
}

export async function runInpaint(run: ModelRun & { strength: number; mask: ModelMask }): Promise<ModelRunResult> {
  const timesteps = strengthTimesteps(run.scheduler, run.steps, run.strength);
  // At full strength the image is not encoded and diffusers draws no posterior
  // sample for it: the draw order must match for recorded noise to replay.
  const { latents } = await initialLatents(run, timesteps, run.strength >= 1, false);
  const masked = await encodeLatents(
    await run.components.vaeEncoder(),
    maskedPixels(run.pixels, run.mask),
    [1, 3, run.height, run.width],
    'sample',
    run.noise,
    'vae_posterior_sample[masked_image]',
  );
  const maskedLatents = scaleLatents(masked.latents, run.scalingFactor);
  const [count, , h, w] = latentDims(run);
  // Per image: 1 mask channel, then the 4 masked-image channels.
  const extra = concatChannels(
    repeatBatch(latentMask(run, run.mask), [1, 1, h, w], count),
    [count, 1, h, w],
    repeatBatch(maskedLatents, masked.dims, count),
    [count, 4, h, w],
  );
  return denoiseWithTextGuidance(run, timesteps, latents, { data: extra, channels: 5 });
}
