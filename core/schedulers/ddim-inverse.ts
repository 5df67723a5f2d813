/**
 * DDIM inversion (Song et al. 2020, eq. 13 run backwards; Mokady et al. 2022), as
 * diffusers' DDIMInverseScheduler: timesteps ascend, and the step at `t` takes the latents
 * from noise level `t - T // N` up to level `t`, the model being evaluated at `t`. It walks
 * a clean image up to noise so that DDIM sampling from the end walks it back (DiffEdit).
 */
import { SchedulerConfigError } from '../errors';
import { InvalidInputError } from '../image/errors';
import { addNoiseVp, checkIntegerTimestep, clipInPlace, predictX0AndEps, type DdimPrediction } from './base';
import { makeAlphasCumprod, makeBetas } from './betas';
import { BETA_DEFAULTS, ConfigReader } from './config';
import type { SchedulerConfig } from './config';
import { integerTimesteps } from './spacing';
import type { Scheduler, SchedulerName } from './types';

/** DDIMInverseScheduler `__init__` defaults (diffusers 0.31.0). */
export const DDIM_INVERSE_DEFAULTS: Readonly<SchedulerConfig> = Object.freeze({
  ...BETA_DEFAULTS,
  clip_sample: true,
  set_alpha_to_one: true,
  steps_offset: 0,
  prediction_type: 'epsilon',
  clip_sample_range: 1.0,
  timestep_spacing: 'leading',
  rescale_betas_zero_snr: false,
});


/**
 * diffusers' DDIMInverseScheduler; build it with `createInverseScheduler(repoConfig)`. It is a
 * {@link Scheduler} (of the `ddim` family, run backwards) so the shared denoising loop can run
 * an inversion; it draws no noise.
 */
export class DdimInverseScheduler implements Scheduler {
  readonly name: SchedulerName = 'ddim';
  readonly order = 1;
  readonly initNoiseSigma = 1;
  readonly sigmas = undefined;
  readonly config: Readonly<SchedulerConfig>;
  private readonly alphasCumprod: Float64Array;
  /** ᾱ of the level below t = 0 (the first step's start): 1 with `set_alpha_to_one`, else ᾱ_0 (SD configs). */
  private readonly initialAlphaCumprod: number;
  private readonly numTrain: number;
  private readonly prediction: DdimPrediction;
  private readonly clipSample: boolean;
  private readonly clipRange: number;
  private readonly stepsOffset: number;
  private readonly spacing: 'leading' | 'trailing';
  private numInferenceSteps: number | undefined;
  private schedule: number[] = [];

  constructor(config: SchedulerConfig) {
    this.config = Object.freeze({ ...config });
    const r = new ConfigReader(config, 'DDIMInverseScheduler');
    this.alphasCumprod = makeAlphasCumprod(makeBetas(r.betaParams({ rescaleKey: true })));
    this.numTrain = this.alphasCumprod.length;
    this.initialAlphaCumprod = r.bool('set_alpha_to_one') ? 1 : this.alphasCumprod[0]!;
    this.prediction = r.oneOf<DdimPrediction>('prediction_type', ['epsilon', 'sample', 'v_prediction']);
    this.clipSample = r.bool('clip_sample');
    this.clipRange = r.number('clip_sample_range', { min: 0, exclusiveMin: true });
    this.stepsOffset = r.int('steps_offset', { min: 0 });
    // diffusers' inverse scheduler knows only these two spacings (it raises on "linspace").
    this.spacing = r.oneOf('timestep_spacing', ['leading', 'trailing'] as const);
  }

  /** The ascending timesteps of the last {@link setTimesteps} (empty before). */
  get timesteps(): readonly number[] {
    return this.schedule;
  }

  /** `[steps_offset, steps_offset + T//N, ...]` ascending ("leading"), or the trailing schedule reversed. */
  setTimesteps(numInferenceSteps: number): void {
    if (!Number.isInteger(numInferenceSteps) || numInferenceSteps < 1) {
      throw new InvalidInputError(`Number of inference steps must be a positive integer, got ${numInferenceSteps}.`);
    }
    if (numInferenceSteps > this.numTrain) {
      throw new SchedulerConfigError(`DDIMInverseScheduler: ${numInferenceSteps} inference steps exceed num_train_timesteps = ${this.numTrain}.`);
    }
    this.schedule = integerTimesteps(this.spacing, this.numTrain, numInferenceSteps, this.stepsOffset).reverse();
    this.numInferenceSteps = numInferenceSteps;
  }

  /**
   * The timesteps an inversion of `strength` runs: the first `int(N * strength)`
   * (DiffEdit's `get_inverse_timesteps`; all of them at strength 1).
   */
  timestepsForStrength(strength: number): readonly number[] {
    const n = this.requireSchedule();
    if (!(strength >= 0 && strength <= 1)) throw new InvalidInputError(`Strength must be between 0 and 1, got ${strength}.`);
    return this.schedule.slice(0, Math.min(Math.floor(n * strength), n));
  }

  /** Inversion has no begin index (diffusers' inverse scheduler has none either). */
  setBeginIndex(_index: number): void {}

  /** The model input needs no scaling, as in DDIM. */
  scaleModelInput(sample: Float32Array, _timestep: number): Float32Array {
    return sample;
  }

  /** Forward diffusion to `timestep`, the same q(x_t | x_0) as DDIM's. */
  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    return addNoiseVp(original, noise, this.alphasCumprod[checkIntegerTimestep(timestep, this.numTrain)]!);
  }

  /** One inversion step: the latents at level `timestep` from those at level `timestep - T // N` (`shape` and `noise` unused: no draws). */
  step(modelOutput: Float32Array, timestep: number, sample: Float32Array): Float32Array {
    const n = this.requireSchedule();
    if (sample.length !== modelOutput.length) {
      throw new InvalidInputError(`Inverse step: sample (${sample.length} values) and model output (${modelOutput.length}) differ in size.`);
    }
    const to = checkIntegerTimestep(timestep, this.numTrain);
    const from = Math.min(to - Math.floor(this.numTrain / n), this.numTrain - 1);
    const alphaFrom = from >= 0 ? this.alphasCumprod[from]! : this.initialAlphaCumprod;
    const alphaTo = this.alphasCumprod[to]!;
    const sqrtA = Math.sqrt(alphaFrom);
    const sqrtB = Math.sqrt(1 - alphaFrom);
    const size = sample.length;
    const { x0, eps } = predictX0AndEps(this.prediction, modelOutput, sample, sqrtA, sqrtB);
    if (this.clipSample) clipInPlace(x0, this.clipRange);
    const a = Math.sqrt(alphaTo);
    const b = Math.sqrt(1 - alphaTo);
    const out = new Float32Array(size);
    for (let i = 0; i < size; i++) out[i] = a * x0[i]! + b * eps[i]!;
    return out;
  }

  private requireSchedule(): number {
    if (this.numInferenceSteps === undefined) {
      throw new InvalidInputError('The inverse scheduler needs its schedule: call setTimesteps(numInferenceSteps) first.');
    }
    return this.numInferenceSteps;
  }
}
