/**
 * Euler ancestral sampling (k-diffusion's `sample_euler_ancestral`, Karras et al. 2022 noise
 * levels), as diffusers' EulerAncestralDiscreteScheduler: each step goes deterministically down to
 * σ_down and then adds fresh noise of size σ_up, with σ_down² + σ_up² = σ_next², so the marginal
 * noise level still follows the schedule. Draws noise on every step.
 */
import type { StepNoise } from './base';
import { BETA_DEFAULTS, ConfigReader } from './config';
import type { SchedulerConfig } from './config';
import { f32 } from './numeric';
import { SigmaScheduler } from './sigma-scheduler';
import { interpolateSigmas } from './sigmas';
import { eulerTimesteps } from './spacing';
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
export class EulerAncestralScheduler extends SigmaScheduler {
  private readonly vPrediction: boolean;
  private readonly stepsOffset: number;

  constructor(name: SchedulerName, config: SchedulerConfig) {
    const r = new ConfigReader(config, 'EulerAncestralDiscreteScheduler');
    super(name, config, r);
    // diffusers raises NotImplementedError for prediction_type "sample" in this scheduler.
    this.vPrediction = r.oneOf('prediction_type', ['epsilon', 'v_prediction']) === 'v_prediction';
    this.stepsOffset = r.int('steps_offset', { min: 0 });
  }

  protected buildSchedule(n: number): void {
    const timesteps = eulerTimesteps(this.spacing, this.numTrain, n, this.stepsOffset);
    this.sigmaSchedule = [...interpolateSigmas(timesteps, this.trainSigmaTable), 0].map(f32);
    this.schedule = timesteps;
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
}
