import { InvalidInputError } from '../image';
import type { Scheduler } from '../schedulers';

/**
 * Sets the scheduler's timesteps for `steps` and cuts them for `strength`
 * (diffusers' `get_timesteps`). Throws when no step would run, instead of
 * silently returning the input.
 */
export function strengthTimesteps(scheduler: Scheduler, steps: number, strength: number): readonly number[] {
  scheduler.setTimesteps(steps);
  const timesteps = scheduler.timestepsForStrength(strength);
  if (timesteps.length === 0) {
    throw new InvalidInputError(
      `Strength ${strength} with ${steps} steps leaves no denoising step to run. Raise the strength or the number of steps.`,
    );
  }
  return timesteps;
}
