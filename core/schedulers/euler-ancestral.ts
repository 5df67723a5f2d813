/**
 * Euler ancestral sampling (k-diffusion's `sample_euler_ancestral`, Karras et al. 2022 noise
 * levels), as diffusers' EulerAncestralDiscreteScheduler: each step goes deterministically down to
 * σ_down and then adds fresh noise of size σ_up, with σ_down² + σ_up² = σ_next², so the marginal
 * noise level still follows the schedule. Draws noise on every step.
 */
import { SchedulerBase } from './base';
import type { StepNoise } from './base';
import { makeAlphasCumprodForSigmas, makeBetas } from './betas';
import { BETA_DEFAULTS, ConfigReader } from './config';
import type { SchedulerConfig } from './config';
import { addNoiseVe, eulerInitNoiseSigma, scaleBySigma } from './euler';
import { f32 } from './numeric';
import { interpolateSigmas, trainSigmas } from './sigmas';
import { eulerTimesteps, readSpacing } from './spacing';
import type { TimestepSpacing } from './spacing';
import { StepIndexTracker } from './step-index';
import type { SchedulerName } from './types';

/** EulerAncestralDiscreteScheduler `__init__` defaults (diffusers 0.31.0). */
export const EULER_ANCESTRAL_DEFAULTS: Readonly<SchedulerConfig> = Object.freeze({
  ...BETA_DEFAULTS,
  prediction_type: 'epsilon',
  timestep_spacing: 'linspace',
  steps_offset: 0,
  rescale_betas_zero_snr: false,
});

/** EulerAncestralDiscreteScheduler. */
export class EulerAncestralScheduler extends SchedulerBase {
  private readonly trainSigmaTable: Float64Array;
  private readonly numTrain: number;
  private readonly vPrediction: boolean;
  private readonly spacing: TimestepSpacing;
  private readonly stepsOffset: number;
  private readonly index = new StepIndexTracker('throw');
  private sigmaSchedule: number[] = [];

  constructor(name: SchedulerName, config: SchedulerConfig) {
    super(name, config);
    const r = new ConfigReader(config, 'EulerAncestralDiscreteScheduler');
    const beta = r.betaParams({ rescaleKey: true });
    const ac = makeAlphasCumprodForSigmas(makeBetas(beta), beta.rescaleBetasZeroSnr);
    this.numTrain = ac.length;
    this.trainSigmaTable = trainSigmas(ac);
    // diffusers raises NotImplementedError for prediction_type "sample" in this scheduler.
    this.vPrediction = r.oneOf('prediction_type', ['epsilon', 'v_prediction']) === 'v_prediction';
    this.spacing = readSpacing(r);
    this.stepsOffset = r.int('steps_offset', { min: 0 });
  }

  override get sigmas(): readonly number[] | undefined {
    return this.numInferenceSteps === undefined ? undefined : this.sigmaSchedule;
  }

  get initNoiseSigma(): number {
    const sigmas = this.numInferenceSteps === undefined ? this.trainSigmaTable : this.sigmaSchedule;
    return eulerInitNoiseSigma(sigmas, this.spacing);
  }

  protected buildSchedule(n: number): void {
    const timesteps = eulerTimesteps(this.spacing, this.numTrain, n, this.stepsOffset);
    this.sigmaSchedule = [...interpolateSigmas(timesteps, this.trainSigmaTable), 0].map(f32);
    this.schedule = timesteps;
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

  protected stepImpl(modelOutput: Float32Array, timestep: number, sample: Float32Array, noise: StepNoise): Float32Array {
    const i = this.index.current(timestep, this.schedule);
    const sigmaFrom = this.sigmaSchedule[i]!;
    const sigmaTo = this.sigmaSchedule[i + 1]!;
    const sigma = sigmaFrom;
    // σ_up = sqrt(σ_to² (σ_from² - σ_to²) / σ_from²), σ_down = sqrt(σ_to² - σ_up²)  (eta = 1).
    const sigmaUp = Math.sqrt((sigmaTo * sigmaTo * (sigmaFrom * sigmaFrom - sigmaTo * sigmaTo)) / (sigmaFrom * sigmaFrom));
    const sigmaDown = Math.sqrt(sigmaTo * sigmaTo - sigmaUp * sigmaUp);
    const dt = sigmaDown - sigma;
    const cOut = -sigma / Math.sqrt(sigma * sigma + 1);
    const cSkip = 1 / (sigma * sigma + 1);
    const z = noise.draw();
    const out = new Float32Array(sample.length);
    for (let k = 0; k < out.length; k++) {
      const x = sample[k]!;
      const m = modelOutput[k]!;
      const x0 = this.vPrediction ? m * cOut + x * cSkip : x - sigma * m;
      const derivative = (x - x0) / sigma;
      out[k] = x + derivative * dt + z[k]! * sigmaUp;
    }
    this.index.advance();
    return out;
  }

  protected addNoiseImpl(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    this.requireSchedule('addNoise');
    const i = this.index.addNoiseIndex(timestep, this.schedule);
    return addNoiseVe(original, noise, this.sigmaSchedule[i]!);
  }
}
