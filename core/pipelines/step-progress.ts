/**
 * Step events as the user counts steps: one per step they asked for (and
 * that runs), with the time left from measured step times.
 *
 * A scheduler may run more UNet evaluations than steps: PNDM with
 * `skip_prk_steps` (the SD default) evaluates its second timestep twice, so
 * "Steps 20" runs 21 evaluations. Counting evaluations showed "Step 1 of 21";
 * diffusers' progress bar counts 20. A step is done when the last evaluation
 * at its timestep is, so repeated timesteps make one step. With a strength
 * below 1 the timesteps are already cut, so only the executed steps count.
 */
import type { ProgressCallback } from '../jobs/progress';

/** How many recent step durations the time-left estimate averages. */
const ETA_WINDOW = 4;

/** The number of user-facing steps in `timesteps`: runs of one repeated timestep count once. */
export function countSteps(timesteps: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < timesteps.length; i++) if (!repeatsNext(timesteps, i)) n++;
  return n;
}

function repeatsNext(timesteps: readonly number[], i: number): boolean {
  return i + 1 < timesteps.length && timesteps[i + 1] === timesteps[i];
}

/**
 * Emits `step` events for a denoising loop over `timesteps`.
 *
 * The time left is the mean of the last few measured step durations times
 * the steps left, not the mean since the start: a loop that queues work on
 * the GPU finishes its first steps almost at once (the work is only
 * submitted), which made the whole-run mean promise "about 2 s left" with
 * 50 s to go. `settleSteps` is how many steps may complete before their work
 * does (the GPU loop's queue depth): their durations are not measured, and
 * the time left stays unknown (`NaN`) until a measured one exists.
 */
export class StepProgress {
  readonly total: number;
  readonly #timesteps: readonly number[];
  readonly #onProgress: ProgressCallback | undefined;
  readonly #settleSteps: number;
  readonly #started: number;
  readonly #durations: number[] = [];
  #step = 0;
  #lastDone: number;

  constructor(timesteps: readonly number[], onProgress: ProgressCallback | undefined, options: { started?: number; settleSteps?: number } = {}) {
    this.#timesteps = timesteps;
    this.#onProgress = onProgress;
    this.#settleSteps = options.settleSteps ?? 0;
    this.#started = options.started ?? performance.now();
    this.#lastDone = this.#started;
    this.total = countSteps(timesteps);
  }

  /** Call after evaluation `i` of the loop; emits when it completed a step. Returns the user-facing step number (0 when none completed). */
  evaluated(i: number, now: number = performance.now()): number {
    if (repeatsNext(this.#timesteps, i)) return 0;
    const step = ++this.#step;
    if (step > this.#settleSteps) this.#durations.push(now - this.#lastDone);
    this.#lastDone = now;
    const recent = this.#durations.slice(-ETA_WINDOW);
    const perStep = recent.length > 0 ? recent.reduce((a, b) => a + b, 0) / recent.length : NaN;
    this.#onProgress?.({
      type: 'step',
      step,
      total: this.total,
      elapsedMs: now - this.#started,
      etaMs: step === this.total ? 0 : perStep * (this.total - step),
    });
    return step;
  }
}
