/**
 * Shared plumbing of every scheduler: argument checks, the strength / begin-index logic of the
 * diffusers img2img pipelines, and the labelled noise draws.
 *
 * @internal
 */
import { StippleError } from '../errors';
import { shapeSize } from '../tensor/noise';
import type { NoiseSource } from '../tensor/noise';
import type { SchedulerConfig } from './config';
import type { Scheduler, SchedulerName } from './types';

/** Draws the scheduler's own noise for the current step, labelled the way fixtures record it. */
export interface StepNoise {
  /** Standard-normal tensor of the sample's shape, label `scheduler_step_noise[step=K]`. */
  draw(): Float32Array;
}

function invalid(message: string): StippleError {
  return new StippleError('INVALID_INPUT', message);
}

export abstract class SchedulerBase implements Scheduler {
  readonly order: number = 1;
  readonly config: Readonly<SchedulerConfig>;
  /** The N of the last `setTimesteps(N)` (what the pipelines' strength arithmetic uses). */
  protected numInferenceSteps: number | undefined = undefined;
  /** Timesteps of the current schedule. */
  protected schedule: number[] = [];
  /** Begin index set by the pipeline (only the sigma schedulers use it, like diffusers). */
  protected beginIndex: number | undefined = undefined;
  private stepCounter = 0;

  protected constructor(
    readonly name: SchedulerName,
    config: SchedulerConfig,
  ) {
    this.config = Object.freeze({ ...config });
  }

  get timesteps(): readonly number[] {
    return this.schedule;
  }

  get sigmas(): readonly number[] | undefined {
    return undefined;
  }

  abstract get initNoiseSigma(): number;

  /** Builds `this.schedule` (and sigmas etc.) for N steps; throws before changing state if N is unusable. */
  protected abstract buildSchedule(numInferenceSteps: number): void;

  /** Clears per-run state (multistep history, step index). Called after every schedule change. */
  protected abstract resetRunState(): void;

  setTimesteps(numInferenceSteps: number): void {
    if (!Number.isInteger(numInferenceSteps) || numInferenceSteps < 1) {
      throw invalid(`Number of inference steps must be a positive integer, got ${numInferenceSteps}.`);
    }
    this.buildSchedule(numInferenceSteps);
    this.numInferenceSteps = numInferenceSteps;
    this.beginIndex = undefined;
    this.stepCounter = 0;
    this.resetRunState();
  }

  timestepsForStrength(strength: number): readonly number[] {
    const n = this.requireSchedule('timestepsForStrength');
    if (!(strength >= 0 && strength <= 1)) throw invalid(`Strength must be between 0 and 1, got ${strength}.`);
    // Same integer arithmetic as the diffusers img2img/inpaint pipelines' get_timesteps
    // (`int(N * strength)` truncates; N * strength is non-negative so floor is identical).
    const initTimestep = Math.min(Math.floor(n * strength), n);
    const tStart = Math.max(n - initTimestep, 0);
    const begin = tStart * this.order;
    const out = this.schedule.slice(begin);
    this.setBeginIndex(begin);
    return out;
  }

  setBeginIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index > this.schedule.length) {
      throw invalid(`Begin index must be an integer in [0, ${this.schedule.length}], got ${index}.`);
    }
    this.beginIndex = index;
    this.onBeginIndex(index);
  }

  /** Hook for schedulers that track the begin index elsewhere. */
  protected onBeginIndex(_index: number): void {}

  scaleModelInput(sample: Float32Array, timestep: number): Float32Array {
    this.requireSchedule('scaleModelInput');
    return this.scale(sample, timestep);
  }

  /** Default: the model input needs no scaling (DDIM, DDPM, PNDM, DPM-Solver, LCM). */
  protected scale(sample: Float32Array, _timestep: number): Float32Array {
    return sample;
  }

  step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    shape: readonly number[],
    noise: NoiseSource,
  ): Float32Array {
    this.requireSchedule('step');
    const size = shapeSize(shape);
    if (sample.length !== size || modelOutput.length !== size) {
      throw invalid(
        `Scheduler step: sample (${sample.length} values) and model output (${modelOutput.length}) must both match shape [${shape.join(', ')}] (${size} values).`,
      );
    }
    const counter = this.stepCounter;
    const stepNoise: StepNoise = {
      draw: () => {
        const z = noise.randn(shape, `scheduler_step_noise[step=${counter}]`);
        if (z.length !== size) throw invalid(`Noise source returned ${z.length} values for shape [${shape.join(', ')}].`);
        return z;
      },
    };
    const out = this.stepImpl(modelOutput, timestep, sample, stepNoise);
    this.stepCounter = counter + 1;
    return out;
  }

  protected abstract stepImpl(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    noise: StepNoise,
  ): Float32Array;

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    if (original.length !== noise.length) {
      throw invalid(`addNoise: original (${original.length} values) and noise (${noise.length}) differ in size.`);
    }
    return this.addNoiseImpl(original, noise, timestep);
  }

  protected abstract addNoiseImpl(original: Float32Array, noise: Float32Array, timestep: number): Float32Array;

  /** Throws unless `setTimesteps` ran; returns its N. */
  protected requireSchedule(what: string): number {
    if (this.numInferenceSteps === undefined) {
      throw invalid(`${what} needs the schedule: call setTimesteps(numInferenceSteps) first.`);
    }
    return this.numInferenceSteps;
  }
}

/** Checks `t` indexes the ᾱ table (the DDPM-family schedulers look ᾱ_t up by integer timestep). */
export function checkIntegerTimestep(timestep: number, numTrainTimesteps: number): number {
  if (!Number.isInteger(timestep) || timestep < 0 || timestep >= numTrainTimesteps) {
    throw invalid(`Timestep ${timestep} is not an integer in [0, ${numTrainTimesteps - 1}].`);
  }
  return timestep;
}

/**
 * Forward diffusion q(x_t | x_0) = N(sqrt(ᾱ_t) x_0, (1 - ᾱ_t) I) (Ho et al. 2020, eq. 4), the
 * `add_noise` of DDIM / DDPM / PNDM / LCM.
 */
export function addNoiseVp(original: Float32Array, noise: Float32Array, alphaProd: number): Float32Array {
  const a = Math.sqrt(alphaProd);
  const b = Math.sqrt(1 - alphaProd);
  const out = new Float32Array(original.length);
  for (let i = 0; i < out.length; i++) out[i] = a * original[i]! + b * noise[i]!;
  return out;
}

/** What a DDIM-family model predicts: the noise, the clean sample, or v. */
export type DdimPrediction = 'epsilon' | 'sample' | 'v_prediction';

/**
 * DDIM's formula (12), shared by DDIM and its inversion: the predicted x_0 and
 * noise direction of `sample` at a level with sqrt(ᾱ) = `sqrtA` and
 * sqrt(1-ᾱ) = `sqrtB`, from whichever the model predicts.
 */
export function predictX0AndEps(
  prediction: DdimPrediction,
  modelOutput: Float32Array,
  sample: Float32Array,
  sqrtA: number,
  sqrtB: number,
): { x0: Float64Array; eps: Float64Array } {
  const size = sample.length;
  const x0 = new Float64Array(size);
  const eps = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const m = modelOutput[i]!;
    const x = sample[i]!;
    if (prediction === 'epsilon') {
      x0[i] = (x - sqrtB * m) / sqrtA;
      eps[i] = m;
    } else if (prediction === 'sample') {
      x0[i] = m;
      eps[i] = (x - sqrtA * m) / sqrtB;
    } else {
      // v-prediction (Salimans & Ho 2022): v = sqrt(ᾱ) ε - sqrt(1-ᾱ) x_0.
      x0[i] = sqrtA * x - sqrtB * m;
      eps[i] = sqrtA * m + sqrtB * x;
    }
  }
  return { x0, eps };
}

/**
 * Clamp of the predicted x_0 ("clip_sample"), used by DDIM / DDPM / LCM when the config asks
 * for it (pixel-space models; the SD configs have it off).
 */
export function clipInPlace(x: Float64Array, range: number): void {
  for (let i = 0; i < x.length; i++) x[i] = Math.min(Math.max(x[i]!, -range), range);
}
