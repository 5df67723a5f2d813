/**
 * Scheduler steps as linear combinations, for running them where the tensors
 * live (the GPU) while the scheduler's bookkeeping stays on the CPU.
 *
 * Every scheduler here computes each step elementwise and linearly in its
 * tensors: the new sample is `Σ c_k · x_k` over the current sample, the model
 * output, earlier samples and model outputs it remembers (PNDM, DPM-Solver
 * multistep) and the step's noise, with coefficients that depend only on the
 * timestep and the step count. So instead of re-deriving each scheduler's
 * coefficients (and risking a second, subtly different implementation), the
 * tracer runs the real scheduler on *coefficient vectors*: tensor number k of
 * the run is the unit vector e_k, and because elementwise linear maps act on
 * coefficient vectors exactly as on values, `step(e_m, t, e_s)` returns the
 * coefficients of the real step's result over every tensor of the run. The
 * scheduler's own state (history, step index, noise draws, labels) evolves
 * exactly as in a CPU run, so recorded noise replays in the same order.
 *
 * Not linear: `clip_sample` (DDIM, DDPM, LCM with it on; off in SD configs)
 * and dynamic thresholding (rejected by the schedulers). {@link linearStepSupport}
 * says so, and the caller keeps the CPU loop.
 */
import { StippleError } from '../errors';
import type { NoiseSource } from '../tensor/noise';
import type { Scheduler } from './types';

/** Whether {@link LinearStepTracer} can trace this scheduler; the reason when not. */
export function linearStepSupport(scheduler: Scheduler): { ok: true } | { ok: false; reason: string } {
  if (scheduler.config['clip_sample'] === true) {
    return { ok: false, reason: `${scheduler.name} clips its x0 prediction (clip_sample: true), which is not linear` };
  }
  if (scheduler.config['thresholding'] === true) {
    return { ok: false, reason: `${scheduler.name} uses dynamic thresholding, which is not linear` };
  }
  return { ok: true };
}

/** A nonzero coefficient over tensor number `index` of the run. */
export interface TracedTerm {
  index: number;
  coeff: number;
}

/**
 * Traces a scheduler's steps over numbered tensors. Numbers are handed out by
 * {@link newTensor} (and for noise, inside {@link step}); the caller keeps a
 * table from numbers to its own tensors (GPU buffers).
 */
export class LinearStepTracer {
  readonly scheduler: Scheduler;
  /** Length of the coefficient vectors: the most tensors one run may number. */
  readonly capacity: number;
  #next = 0;

  /**
   * @param capacity upper bound on tensors numbered in the run (sample, model
   *   output and noise per step, plus a few): e.g. `4 * steps + 8`.
   */
  constructor(scheduler: Scheduler, capacity: number) {
    this.scheduler = scheduler;
    this.capacity = capacity;
  }

  /** Numbers a new tensor of the run. */
  newTensor(): number {
    if (this.#next >= this.capacity) {
      throw new StippleError('RUNTIME', `Linear scheduler trace: more than ${this.capacity} tensors in one run.`);
    }
    return this.#next++;
  }

  /** `scaleModelInput` is a per-timestep scalar: returns it. */
  scaleFactor(timestep: number): number {
    return this.scheduler.scaleModelInput(Float32Array.of(1), timestep)[0]!;
  }

  /**
   * One scheduler step on tensors number `modelOutput` and `sample`. Noise the
   * scheduler draws is drawn from `noise` with the real `shape` and label
   * (in order), and handed to `onNoise` with the number it gets.
   *
   * @returns the nonzero coefficients of the new sample.
   */
  step(
    modelOutput: number,
    timestep: number,
    sample: number,
    shape: readonly number[],
    noise: NoiseSource,
    onNoise: (index: number, values: Float32Array) => void,
  ): TracedTerm[] {
    const shadowNoise: NoiseSource = {
      randn: (_shadowShape, label) => {
        const values = noise.randn(shape, label);
        const index = this.newTensor();
        onNoise(index, values);
        return this.#unit(index);
      },
    };
    const out = this.scheduler.step(this.#unit(modelOutput), timestep, this.#unit(sample), [this.capacity], shadowNoise);
    return terms(out);
  }

  /** `addNoise(original, noise, t) = a · original + b · noise`: returns `[a, b]`. */
  addNoiseCoefficients(timestep: number): [number, number] {
    const out = this.scheduler.addNoise(Float32Array.of(1, 0), Float32Array.of(0, 1), timestep);
    return [out[0]!, out[1]!];
  }

  #unit(index: number): Float32Array {
    const v = new Float32Array(this.capacity);
    v[index] = 1;
    return v;
  }
}

function terms(vector: Float32Array): TracedTerm[] {
  const out: TracedTerm[] = [];
  for (let i = 0; i < vector.length; i++) if (vector[i] !== 0) out.push({ index: i, coeff: vector[i]! });
  return out;
}
