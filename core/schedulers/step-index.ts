/**
 * The step-index / begin-index bookkeeping of diffusers' sigma schedulers (Euler, Euler
 * ancestral, DPM-Solver multistep, LCM).
 *
 * These schedulers look their noise level up by position, not by timestep value, because a
 * schedule may repeat a timestep. The position is found once, at the first `scale_model_input`
 * or `step`, and then advanced by one per `step`:
 * - if the pipeline called `set_begin_index(k)` (img2img / inpaint with strength < 1), it is k;
 * - otherwise it is the position of the timestep in the schedule, taking the *second*
 *   occurrence when the value repeats, so that starting mid-schedule never skips a sigma.
 *
 * @internal
 */
import { StippleError } from '../errors';

/** What to do when a timestep is not in the schedule. */
export type MissingTimestep = 'throw' | 'last';

export class StepIndexTracker {
  /** Position of the current step in the schedule, once known. */
  stepIndex: number | undefined = undefined;
  /** Set by the pipeline through `setBeginIndex`. */
  beginIndex: number | undefined = undefined;

  constructor(private readonly onMissing: MissingTimestep) {}

  /** Forget both indices (diffusers does this in `set_timesteps`). */
  reset(): void {
    this.stepIndex = undefined;
    this.beginIndex = undefined;
  }

  /**
   * diffusers' `index_for_timestep`: position of `timestep` in `schedule`, the second match if
   * it occurs more than once. Missing: Euler/LCM raise; DPM-Solver uses the last position.
   */
  indexForTimestep(timestep: number, schedule: readonly number[]): number {
    const matches: number[] = [];
    for (let i = 0; i < schedule.length && matches.length < 2; i++) if (schedule[i] === timestep) matches.push(i);
    if (matches.length === 0) {
      if (this.onMissing === 'last') return schedule.length - 1;
      throw new StippleError(
        'INVALID_INPUT',
        `Timestep ${timestep} is not in the scheduler's schedule; pass the values of scheduler.timesteps.`,
      );
    }
    return matches.length > 1 ? matches[1]! : matches[0]!;
  }

  /** The current step index, initialising it from the begin index or from `timestep`. */
  current(timestep: number, schedule: readonly number[]): number {
    if (this.stepIndex === undefined) {
      this.stepIndex = this.beginIndex ?? this.indexForTimestep(timestep, schedule);
    }
    return this.stepIndex;
  }

  /** Advance after a step. */
  advance(): void {
    if (this.stepIndex !== undefined) this.stepIndex += 1;
  }

  /**
   * Index used by `add_noise`: without a begin index, the timestep's own position (training
   * style); after the first step (inpainting re-noises the known region every step), the
   * current step index; before it (img2img initial latents), the begin index.
   */
  addNoiseIndex(timestep: number, schedule: readonly number[]): number {
    if (this.beginIndex === undefined) return this.indexForTimestep(timestep, schedule);
    if (this.stepIndex !== undefined) return this.stepIndex;
    return this.beginIndex;
  }
}
