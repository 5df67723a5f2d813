/**
 * Euler sampler of Karras et al. 2022 ("Elucidating the Design Space of Diffusion-Based
 * Generative Models", Algorithm 2 with S_churn = 0), as diffusers' EulerDiscreteScheduler: the
 * probability-flow ODE dx/dσ = (x - x̂_0)/σ integrated with explicit Euler steps in σ.
 * `euler-trailing` is the same class with `timestep_spacing: trailing` (SD-Turbo, few-step models).
 */
import type { StepNoise } from './base';
import { BETA_DEFAULTS, ConfigReader } from './config';
import type { SchedulerConfig } from './config';
import { f32 } from './numeric';
import { SigmaScheduler } from './sigma-scheduler';
import { interpolateSigmas, karrasSigmas, logSigmas, sigmaToT } from './sigmas';
import { eulerTimesteps } from './spacing';
import type { SchedulerName } from './types';

/** EulerDiscreteScheduler `__init__` defaults (diffusers 0.31.0). */
export const EULER_DEFAULTS: Readonly<SchedulerConfig> = Object.freeze({
  ...BETA_DEFAULTS,
  prediction_type: 'epsilon',
  interpolation_type: 'linear',
  use_karras_sigmas: false,
  use_exponential_sigmas: false,
  use_beta_sigmas: false,
  sigma_min: null,
  sigma_max: null,
  timestep_spacing: 'linspace',
  timestep_type: 'discrete',
  steps_offset: 0,
  rescale_betas_zero_snr: false,
  final_sigmas_type: 'zero',
});

type EulerPrediction = 'epsilon' | 'v_prediction' | 'sample' | 'original_sample';

/** EulerDiscreteScheduler. */
export class EulerScheduler extends SigmaScheduler {
  private readonly logSigmaTable: Float64Array;
  private readonly prediction: EulerPrediction;
  private readonly stepsOffset: number;
  private readonly useKarras: boolean;
  private readonly sigmaMin: number | null;
  private readonly sigmaMax: number | null;
  private readonly continuousTimesteps: boolean;
  private readonly finalSigmaMin: boolean;

  constructor(name: SchedulerName, config: SchedulerConfig) {
    const r = new ConfigReader(config, 'EulerDiscreteScheduler');
    super(name, config, r);
    this.logSigmaTable = logSigmas(this.trainSigmaTable);
    this.prediction = r.oneOf<EulerPrediction>('prediction_type', ['epsilon', 'v_prediction', 'sample', 'original_sample']);
    r.oneOf('interpolation_type', ['linear']);
    this.useKarras = r.bool('use_karras_sigmas');
    r.only('use_exponential_sigmas', false, 'exponential sigmas are not implemented');
    r.only('use_beta_sigmas', false, 'beta sigmas are not implemented');
    this.sigmaMin = r.numberOrNull('sigma_min', { min: 0, exclusiveMin: true });
    this.sigmaMax = r.numberOrNull('sigma_max', { min: 0, exclusiveMin: true });
    // "continuous" timesteps (0.25 log σ, EDM-style) only apply to v-prediction in diffusers.
    this.continuousTimesteps =
      r.oneOf('timestep_type', ['discrete', 'continuous']) === 'continuous' && this.prediction === 'v_prediction';
    this.stepsOffset = r.int('steps_offset', { min: 0 });
    this.finalSigmaMin = r.oneOf('final_sigmas_type', ['zero', 'sigma_min']) === 'sigma_min';
  }

  protected buildSchedule(n: number): void {
    let timesteps = eulerTimesteps(this.spacing, this.numTrain, n, this.stepsOffset);
    let sigmas = interpolateSigmas(timesteps, this.trainSigmaTable);
    if (this.useKarras) {
      const min = this.sigmaMin ?? sigmas[sigmas.length - 1]!;
      const max = this.sigmaMax ?? sigmas[0]!;
      sigmas = karrasSigmas(min, max, n);
      timesteps = sigmas.map((s) => f32(sigmaToT(s, this.logSigmaTable)));
    }
    const last = this.finalSigmaMin ? this.trainSigmaTable[0]! : 0;
    this.sigmaSchedule = [...sigmas, last].map(f32);
    this.schedule = this.continuousTimesteps
      ? this.sigmaSchedule.slice(0, -1).map((s) => f32(0.25 * f32(Math.log(s))))
      : timesteps;
  }

  protected stepImpl(modelOutput: Float32Array, timestep: number, sample: Float32Array, _noise: StepNoise): Float32Array {
    const i = this.index.current(timestep, this.schedule);
    // With the default S_churn = 0, γ = 0: σ̂ = σ and no noise is added (diffusers draws none).
    const sigma = this.sigmaSchedule[i]!;
    const sigmaHat = sigma;
    const dt = this.sigmaSchedule[i + 1]! - sigmaHat;
    const cOut = -sigma / Math.sqrt(sigma * sigma + 1);
    const cSkip = 1 / (sigma * sigma + 1);
    const out = new Float32Array(sample.length);
    for (let k = 0; k < out.length; k++) {
      const x = sample[k]!;
      const m = modelOutput[k]!;
      // Denoised estimate x̂_0 for each parameterisation (v: Salimans & Ho 2022 in VE form).
      let x0: number;
      if (this.prediction === 'epsilon') x0 = x - sigmaHat * m;
      else if (this.prediction === 'v_prediction') x0 = m * cOut + x * cSkip;
      else x0 = m;
      const derivative = (x - x0) / sigmaHat;
      out[k] = x + derivative * dt;
    }
    this.index.advance();
    return out;
  }
}
