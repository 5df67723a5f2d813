/**
 * DDPM ancestral sampling (Ho et al. 2020, "Denoising Diffusion Probabilistic Models",
 * https://arxiv.org/abs/2006.11239), as diffusers' DDPMScheduler: sample the posterior
 * q(x_{t'} | x_t, x̂_0) of eqs. 6-7 between consecutive scheduled timesteps t > t'.
 */
import { SchedulerConfigError, StippleError } from '../errors';
import { SchedulerBase, addNoiseVp, checkIntegerTimestep, clipInPlace } from './base';
import type { StepNoise } from './base';
import { makeAlphasCumprod, makeBetas } from './betas';
import { BETA_DEFAULTS, ConfigReader } from './config';
import type { SchedulerConfig } from './config';
import { integerTimesteps, readSpacing } from './spacing';
import type { TimestepSpacing } from './spacing';
import type { SchedulerName } from './types';

/** DDPMScheduler `__init__` defaults (diffusers 0.31.0). */
export const DDPM_DEFAULTS: Readonly<SchedulerConfig> = Object.freeze({
  ...BETA_DEFAULTS,
  variance_type: 'fixed_small',
  clip_sample: true,
  prediction_type: 'epsilon',
  thresholding: false,
  dynamic_thresholding_ratio: 0.995,
  clip_sample_range: 1.0,
  sample_max_value: 1.0,
  timestep_spacing: 'leading',
  steps_offset: 0,
  rescale_betas_zero_snr: false,
});

type DdpmPrediction = 'epsilon' | 'sample' | 'v_prediction';
/**
 * Supported `variance_type`s. `learned` / `learned_range` need a model that outputs the
 * variance as extra channels (not SD), `fixed_large_log` yields NaN in diffusers' step.
 */
type DdpmVariance = 'fixed_small' | 'fixed_small_log' | 'fixed_large';

/** DDPMScheduler. */
export class DdpmScheduler extends SchedulerBase {
  private readonly alphasCumprod: Float64Array;
  private readonly numTrain: number;
  private readonly prediction: DdpmPrediction;
  private readonly varianceType: DdpmVariance;
  private readonly clipSample: boolean;
  private readonly clipRange: number;
  private readonly stepsOffset: number;
  private readonly spacing: TimestepSpacing;

  constructor(name: SchedulerName, config: SchedulerConfig) {
    super(name, config);
    const r = new ConfigReader(config, 'DDPMScheduler');
    this.alphasCumprod = makeAlphasCumprod(makeBetas(r.betaParams({ rescaleKey: true })));
    this.numTrain = this.alphasCumprod.length;
    this.prediction = r.oneOf<DdpmPrediction>('prediction_type', ['epsilon', 'sample', 'v_prediction']);
    this.varianceType = r.oneOf<DdpmVariance>('variance_type', ['fixed_small', 'fixed_small_log', 'fixed_large']);
    r.only('thresholding', false, 'dynamic thresholding is not implemented');
    this.clipSample = r.bool('clip_sample');
    this.clipRange = r.number('clip_sample_range', { min: 0, exclusiveMin: true });
    this.stepsOffset = r.int('steps_offset', { min: 0 });
    this.spacing = readSpacing(r);
  }

  get initNoiseSigma(): number {
    return 1.0;
  }

  protected buildSchedule(n: number): void {
    if (n > this.numTrain) {
      throw new SchedulerConfigError(`DDPMScheduler: ${n} inference steps exceed num_train_timesteps = ${this.numTrain}.`);
    }
    this.schedule = integerTimesteps(this.spacing, this.numTrain, n, this.stepsOffset);
  }

  protected resetRunState(): void {}

  /** diffusers' `previous_timestep`: the next entry of the schedule, -1 after the last. */
  private previousTimestep(t: number): number {
    const index = this.schedule.indexOf(t);
    if (index < 0) {
      throw new StippleError('INVALID_INPUT', `DDPMScheduler: timestep ${t} is not in the current schedule.`);
    }
    return index === this.schedule.length - 1 ? -1 : this.schedule[index + 1]!;
  }

  protected stepImpl(modelOutput: Float32Array, timestep: number, sample: Float32Array, noise: StepNoise): Float32Array {
    const t = checkIntegerTimestep(timestep, this.numTrain);
    const prevT = this.previousTimestep(t);
    const alphaProdT = this.alphasCumprod[t]!;
    const alphaProdPrev = prevT >= 0 ? this.alphasCumprod[prevT]! : 1.0;
    const betaProdT = 1 - alphaProdT;
    const betaProdPrev = 1 - alphaProdPrev;
    const currentAlphaT = alphaProdT / alphaProdPrev;
    const currentBetaT = 1 - currentAlphaT;
    const sqrtA = Math.sqrt(alphaProdT);
    const sqrtB = Math.sqrt(betaProdT);

    const size = sample.length;
    const x0 = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      const m = modelOutput[i]!;
      const x = sample[i]!;
      // Eq. 15: x̂_0 from ε; or the model predicts x_0 directly; or v (Salimans & Ho 2022).
      if (this.prediction === 'epsilon') x0[i] = (x - sqrtB * m) / sqrtA;
      else if (this.prediction === 'sample') x0[i] = m;
      else x0[i] = sqrtA * x - sqrtB * m;
    }
    if (this.clipSample) clipInPlace(x0, this.clipRange);

    // Eq. 7: posterior mean coefficients of x̂_0 and x_t.
    const x0Coeff = (Math.sqrt(alphaProdPrev) * currentBetaT) / betaProdT;
    const sampleCoeff = (Math.sqrt(currentAlphaT) * betaProdPrev) / betaProdT;

    let std = 0;
    let z: Float32Array | undefined;
    if (t > 0) {
      z = noise.draw();
      // Posterior variance β̃_t = (1-ᾱ_prev)/(1-ᾱ_t) β_t, clamped at 1e-20 as diffusers does
      // ("fixed_small"; "fixed_small_log" is the same value via exp(0.5 log)); "fixed_large" uses β_t.
      const small = Math.max((betaProdPrev / betaProdT) * currentBetaT, 1e-20);
      std = this.varianceType === 'fixed_large' ? Math.sqrt(currentBetaT) : Math.sqrt(small);
    }
    const out = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      let v = x0Coeff * x0[i]! + sampleCoeff * sample[i]!;
      if (z) v += std * z[i]!;
      out[i] = v;
    }
    return out;
  }

  protected addNoiseImpl(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    const t = checkIntegerTimestep(timestep, this.numTrain);
    return addNoiseVp(original, noise, this.alphasCumprod[t]!);
  }
}
