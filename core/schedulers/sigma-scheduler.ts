/**
 * What the Euler-family schedulers (k-diffusion's σ parameterisation) share:
 * a σ table from the training betas, a per-run σ schedule with a trailing 0,
 * the step index that maps timesteps to σ, `scale_model_input` (x / sqrt(σ² + 1))
 * and variance-exploding `add_noise` (x + σ·ε).
 */
import { SchedulerBase } from './base';
import { makeAlphasCumprodForSigmas, makeBetas } from './betas';
import type { ConfigReader, SchedulerConfig } from './config';
import { trainSigmas } from './sigmas';
import { readSpacing, type TimestepSpacing } from './spacing';
import { StepIndexTracker } from './step-index';
import type { SchedulerName } from './types';

/**
 * diffusers' `init_noise_sigma` of the Euler schedulers: the largest σ, or sqrt(σ_max² + 1) for
 * "leading" spacing, whose first timestep is not the noisiest one.
 */
export function eulerInitNoiseSigma(sigmas: ArrayLike<number>, spacing: TimestepSpacing): number {
  let max = -Infinity;
  for (let i = 0; i < sigmas.length; i++) max = Math.max(max, sigmas[i]!);
  return spacing === 'linspace' || spacing === 'trailing' ? max : Math.sqrt(max * max + 1);
}

/** x / sqrt(σ² + 1): brings the VE-scaled latents back to unit variance for the UNet. */
export function scaleBySigma(sample: Float32Array, sigma: number): Float32Array {
  const k = 1 / Math.sqrt(sigma * sigma + 1);
  const out = new Float32Array(sample.length);
  for (let i = 0; i < out.length; i++) out[i] = sample[i]! * k;
  return out;
}

/** VE forward process x_σ = x_0 + σ ε (the sigma schedulers' `add_noise`). */
export function addNoiseVe(original: Float32Array, noise: Float32Array, sigma: number): Float32Array {
  const out = new Float32Array(original.length);
  for (let i = 0; i < out.length; i++) out[i] = original[i]! + noise[i]! * sigma;
  return out;
}

export abstract class SigmaScheduler extends SchedulerBase {
  protected readonly trainSigmaTable: Float64Array;
  protected readonly numTrain: number;
  protected readonly spacing: TimestepSpacing;
  protected readonly index = new StepIndexTracker('throw');
  /** σ for each timestep of the run, then the final σ (0 unless configured). */
  protected sigmaSchedule: number[] = [];

  protected constructor(name: SchedulerName, config: SchedulerConfig, r: ConfigReader) {
    super(name, config);
    const beta = r.betaParams({ rescaleKey: true });
    const ac = makeAlphasCumprodForSigmas(makeBetas(beta), beta.rescaleBetasZeroSnr);
    this.numTrain = ac.length;
    this.trainSigmaTable = trainSigmas(ac);
    this.spacing = readSpacing(r);
  }

  override get sigmas(): readonly number[] | undefined {
    return this.numInferenceSteps === undefined ? undefined : this.sigmaSchedule;
  }

  get initNoiseSigma(): number {
    // Before setTimesteps diffusers uses the full training sigmas.
    const sigmas = this.numInferenceSteps === undefined ? this.trainSigmaTable : this.sigmaSchedule;
    return eulerInitNoiseSigma(sigmas, this.spacing);
  }

  protected resetRunState(): void {
    this.index.reset();
  }

  protected override onBeginIndex(index: number): void {
    this.index.beginIndex = index;
  }

  protected override scale(sample: Float32Array, timestep: number): Float32Array {
    const i = this.index.current(timestep, this.schedule);
    return scaleBySigma(sample, this.sigmaSchedule[i]!);
  }

  protected addNoiseImpl(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    this.requireSchedule('addNoise');
    const i = this.index.addNoiseIndex(timestep, this.schedule);
    return addNoiseVe(original, noise, this.sigmaSchedule[i]!);
  }
}
