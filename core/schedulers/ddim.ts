/**
 * DDIM (Song et al. 2020, "Denoising Diffusion Implicit Models", https://arxiv.org/abs/2010.02502),
 * as diffusers' DDIMScheduler. eta = 0 is the deterministic sampler; eta = 1 adds the DDPM
 * posterior noise (formula 16).
 */
import { SchedulerConfigError } from '../errors';
import { SchedulerBase, addNoiseVp, checkIntegerTimestep, clipInPlace, predictX0AndEps, type DdimPrediction } from './base';
import type { StepNoise } from './base';
import { makeAlphasCumprod, makeBetas } from './betas';
import { BETA_DEFAULTS, ConfigReader } from './config';
import type { SchedulerConfig } from './config';
import { integerTimesteps, readSpacing } from './spacing';
import type { TimestepSpacing } from './spacing';
import type { SchedulerName } from './types';

/** DDIMScheduler `__init__` defaults (diffusers 0.31.0). */
export const DDIM_DEFAULTS: Readonly<SchedulerConfig> = Object.freeze({
  ...BETA_DEFAULTS,
  clip_sample: true,
  set_alpha_to_one: true,
  steps_offset: 0,
  prediction_type: 'epsilon',
  thresholding: false,
  dynamic_thresholding_ratio: 0.995,
  clip_sample_range: 1.0,
  sample_max_value: 1.0,
  timestep_spacing: 'leading',
  rescale_betas_zero_snr: false,
});


/** DDIMScheduler. */
export class DdimScheduler extends SchedulerBase {
  private readonly alphasCumprod: Float64Array;
  /** ᾱ used for the step after t = 0: 1 (`set_alpha_to_one`) or ᾱ_0 (SD configs). */
  private readonly finalAlphaCumprod: number;
  private readonly numTrain: number;
  private readonly prediction: DdimPrediction;
  private readonly clipSample: boolean;
  private readonly clipRange: number;
  private readonly stepsOffset: number;
  private readonly spacing: TimestepSpacing;
  private readonly eta: number;

  /** `eta` is DDIM's step argument (0 = deterministic, 1 = DDPM-like variance). */
  constructor(name: SchedulerName, config: SchedulerConfig, eta = 0) {
    super(name, config);
    const r = new ConfigReader(config, 'DDIMScheduler');
    const betas = makeBetas(r.betaParams({ rescaleKey: true }));
    this.alphasCumprod = makeAlphasCumprod(betas);
    this.numTrain = this.alphasCumprod.length;
    this.finalAlphaCumprod = r.bool('set_alpha_to_one') ? 1 : this.alphasCumprod[0]!;
    this.prediction = r.oneOf<DdimPrediction>('prediction_type', ['epsilon', 'sample', 'v_prediction']);
    r.only('thresholding', false, 'dynamic thresholding is not implemented');
    this.clipSample = r.bool('clip_sample');
    this.clipRange = r.number('clip_sample_range', { min: 0, exclusiveMin: true });
    this.stepsOffset = r.int('steps_offset', { min: 0 });
    this.spacing = readSpacing(r);
    if (!(Number.isFinite(eta) && eta >= 0)) {
      throw new SchedulerConfigError(`DDIMScheduler: eta = ${eta} is not supported (expected a number >= 0).`);
    }
    this.eta = eta;
  }

  get initNoiseSigma(): number {
    return 1.0;
  }

  protected buildSchedule(n: number): void {
    if (n > this.numTrain) {
      throw new SchedulerConfigError(
        `DDIMScheduler: ${n} inference steps exceed num_train_timesteps = ${this.numTrain}.`,
      );
    }
    this.schedule = integerTimesteps(this.spacing, this.numTrain, n, this.stepsOffset);
  }

  protected resetRunState(): void {}

  /** ᾱ at a previous timestep, or the final ᾱ once we step past t = 0. */
  private alphaPrev(prevTimestep: number): number {
    return prevTimestep >= 0 ? this.alphasCumprod[prevTimestep]! : this.finalAlphaCumprod;
  }

  protected stepImpl(modelOutput: Float32Array, timestep: number, sample: Float32Array, noise: StepNoise): Float32Array {
    const n = this.numInferenceSteps!;
    const t = checkIntegerTimestep(timestep, this.numTrain);
    // diffusers always steps back by T // N, whatever the spacing (for "trailing" this is how
    // diffusers behaves too, even though the next scheduled timestep may differ by one).
    const prevT = t - Math.floor(this.numTrain / n);
    const alphaProdT = this.alphasCumprod[t]!;
    const alphaProdPrev = this.alphaPrev(prevT);
    const betaProdT = 1 - alphaProdT;
    const sqrtA = Math.sqrt(alphaProdT);
    const sqrtB = Math.sqrt(betaProdT);

    const size = sample.length;
    // Formula (12): predicted x_0 and the noise direction, from whichever the model predicts.
    const { x0, eps } = predictX0AndEps(this.prediction, modelOutput, sample, sqrtA, sqrtB);
    if (this.clipSample) clipInPlace(x0, this.clipRange);

    // Formula (16): σ_t(η) = η · sqrt((1-ᾱ_prev)/(1-ᾱ_t)) · sqrt(1 - ᾱ_t/ᾱ_prev).
    const variance = ((1 - alphaProdPrev) / betaProdT) * (1 - alphaProdT / alphaProdPrev);
    const stdDev = this.eta * Math.sqrt(variance);
    const dirCoeff = Math.sqrt(1 - alphaProdPrev - stdDev * stdDev);
    const sqrtAPrev = Math.sqrt(alphaProdPrev);

    const z = this.eta > 0 ? noise.draw() : undefined;
    const out = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      let v = sqrtAPrev * x0[i]! + dirCoeff * eps[i]!;
      if (z) v += stdDev * z[i]!;
      out[i] = v;
    }
    return out;
  }

  protected addNoiseImpl(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    const t = checkIntegerTimestep(timestep, this.numTrain);
    return addNoiseVp(original, noise, this.alphasCumprod[t]!);
  }
}
