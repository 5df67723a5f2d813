/**
 * Latent Consistency Model multistep sampling (Luo et al. 2023, "Latent Consistency Models",
 * https://arxiv.org/abs/2310.04378, Algorithm 1), as diffusers' LCMScheduler: each step maps x_t
 * to a consistency-model estimate of x_0 (with the boundary-condition scalings c_skip, c_out of
 * Song et al. 2023) and re-noises it to the next timestep with fresh noise (none after the last).
 */
import { SchedulerConfigError } from '../errors';
import { SchedulerBase, addNoiseVp, checkIntegerTimestep, clipInPlace } from './base';
import type { StepNoise } from './base';
import { makeAlphasCumprod, makeBetas } from './betas';
import { ConfigReader } from './config';
import type { SchedulerConfig } from './config';
import { npLinspace } from './numeric';
import { StepIndexTracker } from './step-index';
import type { SchedulerName } from './types';

/** LCMScheduler `__init__` defaults (diffusers 0.31.0). */
export const LCM_DEFAULTS: Readonly<SchedulerConfig> = Object.freeze({
  num_train_timesteps: 1000,
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  trained_betas: null,
  original_inference_steps: 50,
  clip_sample: false,
  clip_sample_range: 1.0,
  set_alpha_to_one: true,
  steps_offset: 0,
  prediction_type: 'epsilon',
  thresholding: false,
  dynamic_thresholding_ratio: 0.995,
  sample_max_value: 1.0,
  timestep_spacing: 'leading',
  timestep_scaling: 10.0,
  rescale_betas_zero_snr: false,
});

type LcmPrediction = 'epsilon' | 'sample' | 'v_prediction';

/** σ_data of the consistency-model boundary condition (diffusers' default 0.5). */
const SIGMA_DATA = 0.5;

/** LCMScheduler. */
export class LcmScheduler extends SchedulerBase {
  private readonly alphasCumprod: Float64Array;
  private readonly finalAlphaCumprod: number;
  private readonly numTrain: number;
  private readonly originalSteps: number;
  private readonly prediction: LcmPrediction;
  private readonly clipSample: boolean;
  private readonly clipRange: number;
  private readonly timestepScaling: number;
  private readonly index = new StepIndexTracker('throw');

  constructor(name: SchedulerName, config: SchedulerConfig) {
    super(name, config);
    const r = new ConfigReader(config, 'LCMScheduler');
    this.alphasCumprod = makeAlphasCumprod(makeBetas(r.betaParams({ rescaleKey: true })));
    this.numTrain = this.alphasCumprod.length;
    this.finalAlphaCumprod = r.bool('set_alpha_to_one') ? 1 : this.alphasCumprod[0]!;
    this.originalSteps = r.int('original_inference_steps', { min: 1, max: this.numTrain });
    this.prediction = r.oneOf<LcmPrediction>('prediction_type', ['epsilon', 'sample', 'v_prediction']);
    r.only('thresholding', false, 'dynamic thresholding is not implemented');
    this.clipSample = r.bool('clip_sample');
    this.clipRange = r.number('clip_sample_range', { min: 0, exclusiveMin: true });
    this.timestepScaling = r.number('timestep_scaling', { min: 0, exclusiveMin: true });
    // timestep_spacing / steps_offset are config keys of LCMScheduler but unused by it (its
    // schedule comes from the distillation grid), so they are not validated here.
  }

  get initNoiseSigma(): number {
    return 1.0;
  }

  protected buildSchedule(n: number): void {
    if (n > this.originalSteps) {
      throw new SchedulerConfigError(
        `LCMScheduler: ${n} inference steps exceed original_inference_steps = ${this.originalSteps}; use at most ${this.originalSteps}.`,
      );
    }
    // The distillation grid: k = T // original_steps, timesteps k-1, 2k-1, ..., original_steps·k - 1.
    const k = Math.floor(this.numTrain / this.originalSteps);
    const origin: number[] = [];
    for (let i = this.originalSteps; i >= 1; i--) origin.push(i * k - 1);
    // N (approximately) evenly spaced indices into the reversed grid.
    const indices = npLinspace(0, origin.length, n, false).map(Math.floor);
    this.schedule = indices.map((i) => origin[i]!);
  }

  protected resetRunState(): void {
    this.index.reset();
  }

  protected override onBeginIndex(index: number): void {
    this.index.beginIndex = index;
  }

  protected stepImpl(modelOutput: Float32Array, timestep: number, sample: Float32Array, noise: StepNoise): Float32Array {
    const t = checkIntegerTimestep(timestep, this.numTrain);
    const i = this.index.current(timestep, this.schedule);
    const prevIndex = i + 1;
    const prevT = prevIndex < this.schedule.length ? this.schedule[prevIndex]! : t;
    const alphaProdT = this.alphasCumprod[t]!;
    const alphaProdPrev = prevT >= 0 ? this.alphasCumprod[prevT]! : this.finalAlphaCumprod;
    const sqrtA = Math.sqrt(alphaProdT);
    const sqrtB = Math.sqrt(1 - alphaProdT);

    // Boundary-condition scalings (c_skip → 1, c_out → 0 as t → 0), with t scaled by timestep_scaling.
    const scaled = t * this.timestepScaling;
    const cSkip = (SIGMA_DATA * SIGMA_DATA) / (scaled * scaled + SIGMA_DATA * SIGMA_DATA);
    const cOut = scaled / Math.sqrt(scaled * scaled + SIGMA_DATA * SIGMA_DATA);

    const size = sample.length;
    const x0 = new Float64Array(size);
    for (let k = 0; k < size; k++) {
      const m = modelOutput[k]!;
      const x = sample[k]!;
      if (this.prediction === 'epsilon') x0[k] = (x - sqrtB * m) / sqrtA;
      else if (this.prediction === 'sample') x0[k] = m;
      else x0[k] = sqrtA * x - sqrtB * m;
    }
    if (this.clipSample) clipInPlace(x0, this.clipRange);

    const out = new Float32Array(size);
    // "Noise is not used on the final timestep of the timestep schedule" (and so never for 1 step).
    const last = i === this.numInferenceSteps! - 1;
    const z = last ? undefined : noise.draw();
    const a = Math.sqrt(alphaProdPrev);
    const b = Math.sqrt(1 - alphaProdPrev);
    for (let k = 0; k < size; k++) {
      const denoised = cOut * x0[k]! + cSkip * sample[k]!;
      out[k] = z ? a * denoised + b * z[k]! : denoised;
    }
    this.index.advance();
    return out;
  }

  protected addNoiseImpl(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    const t = checkIntegerTimestep(timestep, this.numTrain);
    return addNoiseVp(original, noise, this.alphasCumprod[t]!);
  }
}
