/**
 * DDIM inversion (DiffEdit §3.2), as diffusers 0.31's
 * `StableDiffusionDiffEditPipeline.invert`: walk the image latents up the noise
 * levels with the source prompt, keeping the latents of every level so the edit
 * can put the unmasked area back at the level it is at.
 */
import { InvalidInputError } from '../image';
import type { DdimInverseScheduler } from '../schedulers';
import type { ModelRun } from './model-run';
import { setSteps } from './strength';
import { denoiseWithTextGuidance } from './text-guided';

/** The inverted latents of one image. */
export interface Inversion {
  /** `[1, levels, 4, h, w]`, index 0 = the noisiest level (diffusers' order). */
  latents: Float32Array;
  dims: [number, number, number, number, number];
  /** Ascending timesteps the inversion ran (`timesteps[k]` is the level of `latents[:, levels - 1 - k]`). */
  timesteps: readonly number[];
  unetMs: number[];
}

/**
 * Inverts `start` (`[1, 4, h, w]`, the scaled posterior sample of the image).
 * `run.embeddings` holds the source prompt (positive) and the inversion's
 * negative; `run.guidance` is the inversion's guidance (off at <= 1).
 */
export async function invert(
  run: ModelRun,
  inverse: DdimInverseScheduler,
  start: Float32Array,
  strength: number,
): Promise<Inversion> {
  setSteps(inverse, run.steps);
  const timesteps = inverse.timestepsForStrength(strength);
  if (timesteps.length === 0) {
    throw new InvalidInputError(
      `Strength ${strength} with ${run.steps} steps leaves no inversion step to run. Raise the strength or the number of steps.`,
    );
  }
  const levels: Float32Array[] = [];
  const result = await denoiseWithTextGuidance({ ...run, scheduler: inverse, count: 1 }, timesteps, start, undefined, (latents) => {
    levels.push(latents);
    return latents;
  });
  const [, c, h, w] = result.dims;
  const per = c * h * w;
  const latents = new Float32Array(levels.length * per);
  // Noisiest first, like `torch.stack(list(reversed(inverted_latents)), 1)`.
  levels.reverse().forEach((l, i) => latents.set(l, i * per));
  return { latents, dims: [1, levels.length, c, h, w], timesteps, unetMs: result.timings.unetMs };
}
