/**
 * SDEdit (Meng et al. 2022), as diffusers' StableDiffusionImg2ImgPipeline:
 * encode the image, noise it to the level `strength` picks, denoise with the prompt.
 */
import { initialLatents } from './latents';
import type { ModelRun, ModelRunResult } from './model-run';
import { strengthTimesteps } from './strength';
import { denoiseWithTextGuidance } from './text-guided';

export async function runSdedit(run: ModelRun & { strength: number }): Promise<ModelRunResult> {
  const timesteps = strengthTimesteps(run.scheduler, run.steps, run.strength);
  // img2img always starts from the noised image, even at strength 1.
  const { latents } = await initialLatents(run, timesteps, false, true);
  return denoiseWithTextGuidance(run, timesteps, latents);
}
