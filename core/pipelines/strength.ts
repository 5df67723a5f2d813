import { InvalidInputError } from '../image';
import type { Scheduler } from '../schedulers';

/**
 * Sets the scheduler's timesteps for `steps`, refusing step counts whose
 * schedule leaves the model's training range (e.g. 1000 "leading" steps with
 * `steps_offset` 1 ask for timestep 1000 of 0..999; diffusers fails later
 * with an index error).
 */
export function setSteps(scheduler: Scheduler, steps: number): readonly number[] {
  scheduler.setTimesteps(steps);
  const train = Number(scheduler.config['num_train_timesteps'] ?? 1000);
  if (scheduler.timesteps.some((t) => !(t >= 0 && t < train))) {
    throw new InvalidInputError(
      `${steps} steps is more than this model's ${scheduler.name} schedule can take (its timesteps must stay below ${train}). Use fewer steps.`,
    );
  }
  return scheduler.timesteps;
}

/**
 * Sets the timesteps for `steps` and cuts them for `strength` (diffusers'
 * `get_timesteps`). Throws when no step would run, instead of silently
 * returning the input.
 */
export function strengthTimesteps(scheduler: Scheduler, steps: number, strength: number): readonly number[] {
  setSteps(scheduler, steps);
  const timesteps = scheduler.timestepsForStrength(strength);
  if (timesteps.length === 0) {
    throw new InvalidInputError(
      `Strength ${strength} with ${steps} steps leaves no denoising step to run. Raise the strength or the number of steps.`,
    );
  }
  return timesteps;
}
