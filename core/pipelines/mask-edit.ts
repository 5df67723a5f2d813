/**
 * Mask-guided editing with any 4-channel model: Blended Latent Diffusion
 * (Avrahami et al. 2023), as diffusers' StableDiffusionInpaintPipeline runs a
 * 4-channel UNet. After every step the latents outside the mask are replaced by
 * the original image's latents noised to the next step's level, so only the
 * masked area is generated and it stays consistent with its surroundings.
 */
import { latentMask, type ModelMask } from './inpaint';
import { initialLatents } from './latents';
import { latentDims, type ModelRun, type ModelRunResult } from './model-run';
import { strengthTimesteps } from './strength';
import { denoiseWithTextGuidance } from './text-guided';

/**
 * What the masked area starts from (A1111's "masked content"):
 * - `original`: the image as it is;
 * - `fill`: the hole filled classically from its surroundings (done on pixels before this step);
 * - `latent-noise`: fresh noise in the masked latents;
 * - `latent-nothing`: zero latents in the masked area.
 */
export type MaskedContent = 'original' | 'fill' | 'latent-noise' | 'latent-nothing';

export async function runMaskEdit(
  run: ModelRun & { strength: number; mask: ModelMask; maskedContent: MaskedContent },
): Promise<ModelRunResult> {
  const { scheduler, noise } = run;
  const dims = latentDims(run);
  const [, , h, w] = dims;
  const plane = h * w;
  const timesteps = strengthTimesteps(scheduler, run.steps, run.strength);
  const m = latentMask(run, run.mask);

  const startFrom =
    run.maskedContent === 'latent-noise' || run.maskedContent === 'latent-nothing'
      ? (image: Float32Array) => {
          const fresh = run.maskedContent === 'latent-noise' ? noise.randn(dims, 'masked_content_noise') : undefined;
          return image.map((x, i) => {
            const k = m[i % plane]!;
            return (1 - k) * x + k * (fresh ? fresh[i]! : 0);
          });
        }
      : undefined;
  const start = await initialLatents(run, timesteps, run.strength >= 1, true, startFrom);
  const imageLatents = start.imageLatents!;
  // diffusers also encodes the masked image here, which a 4-channel UNet never
  // reads. We skip that VAE pass but still consume its noise draw, so seeded
  // runs and recorded noise stay in diffusers' order.
  noise.randn([1, 4, h, w], 'vae_posterior_sample[masked_image]');

  // After every step: (1 - m) * (image noised to the next timestep) + m * latents.
  const blend = { mask: m, image: imageLatents, noise: start.initialNoise };
  return denoiseWithTextGuidance(run, timesteps, start.latents, undefined, undefined, blend);
}
