/**
 * Multistep DPM-Solver (Lu et al. 2022, https://arxiv.org/abs/2206.00927) and DPM-Solver++
 * (Lu et al. 2022, https://arxiv.org/abs/2211.01095), as diffusers' DPMSolverMultistepScheduler.
 * `dpmpp-2m` is `algorithm_type: dpmsolver++`, `solver_order: 2` (the "DPM++ 2M" sampler);
 * `dpmpp-2m-karras` additionally uses the Karras et al. 2022 σ schedule.
 *
 * The solver works in λ = log(α_t/σ_t) (half log-SNR): with h = λ_next - λ_cur, the first-order
 * update is DDIM, and the second-order one corrects with a finite difference of the last two
 * model outputs (the data prediction x̂_0 for ++, the noise prediction ε otherwise).
 */
import { SchedulerConfigError } from '../errors';
import { SchedulerBase } from './base';
import type { StepNoise } from './base';
import { makeAlphasCumprodForSigmas, makeBetas } from './betas';
import { BETA_DEFAULTS, ConfigReader } from './config';
import type { SchedulerConfig } from './config';
import { f32, roundHalfEven } from './numeric';
import { interpolateSigmas, karrasSigmas, logSigmas, sigmaToAlphaSigma, sigmaToT, trainSigmas } from './sigmas';
import { dpmSolverTimesteps, readSpacing } from './spacing';
import type { TimestepSpacing } from './spacing';
import { StepIndexTracker } from './step-index';
import type { SchedulerName } from './types';

/** DPMSolverMultistepScheduler `__init__` defaults (diffusers 0.31.0). */
export const DPM_SOLVER_MULTISTEP_DEFAULTS: Readonly<SchedulerConfig> = Object.freeze({
  ...BETA_DEFAULTS,
  solver_order: 2,
  prediction_type: 'epsilon',
  thresholding: false,
  dynamic_thresholding_ratio: 0.995,
  sample_max_value: 1.0,
  algorithm_type: 'dpmsolver++',
  solver_type: 'midpoint',
  lower_order_final: true,
  euler_at_final: false,
  use_karras_sigmas: false,
  use_exponential_sigmas: false,
  use_beta_sigmas: false,
  use_lu_lambdas: false,
  final_sigmas_type: 'zero',
  lambda_min_clipped: -Infinity,
  variance_type: null,
  timestep_spacing: 'linspace',
  steps_offset: 0,
  rescale_betas_zero_snr: false,
});

type Algorithm = 'dpmsolver' | 'dpmsolver++' | 'sde-dpmsolver' | 'sde-dpmsolver++';
type SolverType = 'midpoint' | 'heun';
type Prediction = 'epsilon' | 'sample' | 'v_prediction';

/**
 * Applies diffusers' `__init__` aliases to a resolved config in place (diffusers rewrites its
 * config the same way with `register_to_config`): `algorithm_type: deis` runs as dpmsolver++, the
 * DEIS/UniPC solver types (`logrho`, `bh1`, `bh2`) as midpoint.
 */
export function normalizeDpmSolverConfig(config: SchedulerConfig): void {
  if (config.algorithm_type === 'deis') config.algorithm_type = 'dpmsolver++';
  if (config.solver_type === 'logrho' || config.solver_type === 'bh1' || config.solver_type === 'bh2') {
    config.solver_type = 'midpoint';
  }
}

/** λ(σ) = log α_t - log σ_t for a VE noise level σ. */
function lambdaOf(sigma: number): { alphaT: number; sigmaT: number; lambda: number } {
  const { alphaT, sigmaT } = sigmaToAlphaSigma(sigma);
  return { alphaT, sigmaT, lambda: Math.log(alphaT) - Math.log(sigmaT) };
}

/** DPMSolverMultistepScheduler. */
export class DpmSolverMultistepScheduler extends SchedulerBase {
  private readonly alphasCumprod: Float64Array;
  private readonly trainSigmaTable: Float64Array;
  private readonly logSigmaTable: Float64Array;
  private readonly numTrain: number;
  private readonly solverOrder: number;
  private readonly prediction: Prediction;
  private readonly algorithm: Algorithm;
  private readonly solverType: SolverType;
  private readonly lowerOrderFinal: boolean;
  private readonly eulerAtFinal: boolean;
  private readonly useKarras: boolean;
  private readonly finalSigmaMin: boolean;
  private readonly lambdaMinClipped: number;
  private readonly spacing: TimestepSpacing;
  private readonly stepsOffset: number;
  private readonly index = new StepIndexTracker('last');

  private sigmaSchedule: number[] = [];
  /** Converted model outputs of the last `solver_order` steps, oldest first. */
  private modelOutputs: (Float64Array | undefined)[] = [];
  private lowerOrderNums = 0;

  constructor(name: SchedulerName, config: SchedulerConfig) {
    super(name, config);
    const r = new ConfigReader(config, 'DPMSolverMultistepScheduler');
    const beta = r.betaParams({ rescaleKey: true });
    this.alphasCumprod = makeAlphasCumprodForSigmas(makeBetas(beta), beta.rescaleBetasZeroSnr);
    this.numTrain = this.alphasCumprod.length;
    this.trainSigmaTable = trainSigmas(this.alphasCumprod);
    this.logSigmaTable = logSigmas(this.trainSigmaTable);
    this.solverOrder = r.int('solver_order', { min: 1, max: 3 });
    this.prediction = r.oneOf<Prediction>('prediction_type', ['epsilon', 'sample', 'v_prediction']);
    r.only('thresholding', false, 'dynamic thresholding is not implemented');
    this.algorithm = r.oneOf<Algorithm>('algorithm_type', ['dpmsolver', 'dpmsolver++', 'sde-dpmsolver', 'sde-dpmsolver++']);
    this.solverType = r.oneOf<SolverType>('solver_type', ['midpoint', 'heun']);
    this.lowerOrderFinal = r.bool('lower_order_final');
    this.eulerAtFinal = r.bool('euler_at_final');
    this.useKarras = r.bool('use_karras_sigmas');
    r.only('use_exponential_sigmas', false, 'exponential sigmas are not implemented');
    r.only('use_beta_sigmas', false, 'beta sigmas are not implemented');
    r.only('use_lu_lambdas', false, 'Lu lambdas are not implemented');
    // Learned variances need a model with extra output channels (not Stable Diffusion).
    r.only('variance_type', null, 'learned variances are not supported');
    this.finalSigmaMin = r.oneOf('final_sigmas_type', ['zero', 'sigma_min']) === 'sigma_min';
    this.lambdaMinClipped = r.numberAllowingInfinity('lambda_min_clipped');
    this.spacing = readSpacing(r);
    this.stepsOffset = r.int('steps_offset', { min: 0 });
    if (!this.algorithm.endsWith('++') && !this.finalSigmaMin) {
      // Same restriction as diffusers: the noise-prediction solvers cannot step to σ = 0.
      r.fail('final_sigmas_type', `"sigma_min" with algorithm_type "${this.algorithm}"`);
    }
    if (this.algorithm.startsWith('sde-') && this.solverOrder === 3) {
      // diffusers' third-order update has no SDE variant (it would return nothing).
      r.fail('solver_order', `1 or 2 with algorithm_type "${this.algorithm}"`);
    }
  }

  override get sigmas(): readonly number[] | undefined {
    return this.numInferenceSteps === undefined ? undefined : this.sigmaSchedule;
  }

  get initNoiseSigma(): number {
    return 1.0;
  }

  /**
   * Number of training timesteps kept after clipping λ from below at `lambda_min_clipped`
   * (`torch.searchsorted` on the ascending, flipped λ table). Matters for the cosine schedule.
   */
  private lastTimestep(): number {
    let clipped = 0;
    for (let j = this.numTrain - 1; j >= 0; j--) {
      const a = this.alphasCumprod[j]!;
      const lambda = f32(f32(Math.log(f32(Math.sqrt(a)))) - f32(Math.log(f32(Math.sqrt(f32(1 - a))))));
      if (lambda < this.lambdaMinClipped) clipped++;
      else break;
    }
    return this.numTrain - clipped;
  }

  protected buildSchedule(n: number): void {
    const last = this.lastTimestep();
    let timesteps = dpmSolverTimesteps(this.spacing, this.numTrain, last, n, this.stepsOffset);
    let sigmas: number[];
    if (this.useKarras) {
      // in_sigmas = flipped training sigmas: σ_max = σ_{T-1}, σ_min = σ_0 unless the config
      // carries sigma_min / sigma_max (diffusers reads them when present).
      const cfgMin = this.config.sigma_min;
      const cfgMax = this.config.sigma_max;
      const min = typeof cfgMin === 'number' ? cfgMin : this.trainSigmaTable[0]!;
      const max = typeof cfgMax === 'number' ? cfgMax : this.trainSigmaTable[this.numTrain - 1]!;
      sigmas = karrasSigmas(min, max, n);
      timesteps = sigmas.map((s) => roundHalfEven(sigmaToT(s, this.logSigmaTable)));
    } else {
      sigmas = interpolateSigmas(timesteps, this.trainSigmaTable);
    }
    if (timesteps.length === 0) {
      throw new SchedulerConfigError(`DPMSolverMultistepScheduler: ${n} inference steps give an empty schedule.`);
    }
    const lastSigma = this.finalSigmaMin ? this.trainSigmaTable[0]! : 0;
    this.sigmaSchedule = [...sigmas, lastSigma].map(f32);
    this.schedule = timesteps;
  }

  protected resetRunState(): void {
    this.modelOutputs = new Array<Float64Array | undefined>(this.solverOrder).fill(undefined);
    this.lowerOrderNums = 0;
    this.index.reset();
  }

  protected override onBeginIndex(index: number): void {
    this.index.beginIndex = index;
  }

  /** diffusers' `convert_model_output`: x̂_0 for the ++ algorithms, ε for the others. */
  private convertModelOutput(modelOutput: Float32Array, sample: Float32Array, sigma: number): Float64Array {
    const { alphaT, sigmaT } = sigmaToAlphaSigma(sigma);
    const out = new Float64Array(sample.length);
    const dataPrediction = this.algorithm.endsWith('++');
    for (let k = 0; k < out.length; k++) {
      const m = modelOutput[k]!;
      const x = sample[k]!;
      if (dataPrediction) {
        if (this.prediction === 'epsilon') out[k] = (x - sigmaT * m) / alphaT;
        else if (this.prediction === 'sample') out[k] = m;
        else out[k] = alphaT * x - sigmaT * m;
      } else {
        if (this.prediction === 'epsilon') out[k] = m;
        else if (this.prediction === 'sample') out[k] = (x - alphaT * m) / sigmaT;
        else out[k] = alphaT * m + sigmaT * x;
      }
    }
    return out;
  }

  protected stepImpl(modelOutput: Float32Array, timestep: number, sample: Float32Array, noise: StepNoise): Float32Array {
    const i = this.index.current(timestep, this.schedule);
    const len = this.schedule.length;
    // "Improve numerical stability for small number of steps" (diffusers): the last step is
    // first order with lower_order_final and < 15 steps, euler_at_final, or a final σ of 0; the
    // second-to-last is at most second order with lower_order_final and < 15 steps.
    const lowerOrderFinal =
      i === len - 1 && (this.eulerAtFinal || (this.lowerOrderFinal && len < 15) || !this.finalSigmaMin);
    const lowerOrderSecond = i === len - 2 && this.lowerOrderFinal && len < 15;

    const converted = this.convertModelOutput(modelOutput, sample, this.sigmaSchedule[i]!);
    this.modelOutputs.shift();
    this.modelOutputs.push(converted);

    const z = this.algorithm.startsWith('sde-') ? noise.draw() : undefined;
    let out: Float32Array;
    if (this.solverOrder === 1 || this.lowerOrderNums < 1 || lowerOrderFinal) {
      out = this.firstOrderUpdate(converted, sample, i, z);
    } else if (this.solverOrder === 2 || this.lowerOrderNums < 2 || lowerOrderSecond) {
      out = this.secondOrderUpdate(sample, i, z);
    } else {
      out = this.thirdOrderUpdate(sample, i);
    }
    if (this.lowerOrderNums < this.solverOrder) this.lowerOrderNums += 1;
    this.index.advance();
    return out;
  }

  /** First-order step (DDIM in λ); for the SDE variants with the exact Gaussian noise term. */
  private firstOrderUpdate(m0: Float64Array, sample: Float32Array, i: number, z: Float32Array | undefined): Float32Array {
    const t = lambdaOf(this.sigmaSchedule[i + 1]!);
    const s = lambdaOf(this.sigmaSchedule[i]!);
    const h = t.lambda - s.lambda;
    const out = new Float32Array(sample.length);
    let a = 0;
    let b = 0;
    let c = 0;
    switch (this.algorithm) {
      case 'dpmsolver++':
        a = t.sigmaT / s.sigmaT;
        b = -(t.alphaT * (Math.exp(-h) - 1));
        break;
      case 'dpmsolver':
        a = t.alphaT / s.alphaT;
        b = -(t.sigmaT * (Math.exp(h) - 1));
        break;
      case 'sde-dpmsolver++':
        a = (t.sigmaT / s.sigmaT) * Math.exp(-h);
        b = t.alphaT * (1 - Math.exp(-2 * h));
        c = t.sigmaT * Math.sqrt(1 - Math.exp(-2 * h));
        break;
      case 'sde-dpmsolver':
        a = t.alphaT / s.alphaT;
        b = -2 * (t.sigmaT * (Math.exp(h) - 1));
        c = t.sigmaT * Math.sqrt(Math.exp(2 * h) - 1);
        break;
    }
    for (let k = 0; k < out.length; k++) {
      let v = a * sample[k]! + b * m0[k]!;
      if (z) v += c * z[k]!;
      out[k] = v;
    }
    return out;
  }

  /** Second-order multistep update from the last two converted outputs (midpoint or Heun form). */
  private secondOrderUpdate(sample: Float32Array, i: number, z: Float32Array | undefined): Float32Array {
    const t = lambdaOf(this.sigmaSchedule[i + 1]!);
    const s0 = lambdaOf(this.sigmaSchedule[i]!);
    const s1 = lambdaOf(this.sigmaSchedule[i - 1]!);
    const m0 = this.modelOutputs[this.solverOrder - 1]!;
    const m1 = this.modelOutputs[this.solverOrder - 2]!;
    const h = t.lambda - s0.lambda;
    const h0 = s0.lambda - s1.lambda;
    const r0 = h0 / h;
    const midpoint = this.solverType === 'midpoint';
    // x_t = a·x + b·D0 + c·D1 + d·z with D0 = m0, D1 = (m0 - m1)/r0.
    let a = 0;
    let b = 0;
    let c = 0;
    let d = 0;
    switch (this.algorithm) {
      case 'dpmsolver++': {
        const e = Math.exp(-h) - 1;
        a = t.sigmaT / s0.sigmaT;
        b = -(t.alphaT * e);
        c = midpoint ? -0.5 * (t.alphaT * e) : t.alphaT * (e / h + 1);
        break;
      }
      case 'dpmsolver': {
        const e = Math.exp(h) - 1;
        a = t.alphaT / s0.alphaT;
        b = -(t.sigmaT * e);
        c = midpoint ? -0.5 * (t.sigmaT * e) : -(t.sigmaT * (e / h - 1));
        break;
      }
      case 'sde-dpmsolver++': {
        const e = 1 - Math.exp(-2 * h);
        a = (t.sigmaT / s0.sigmaT) * Math.exp(-h);
        b = t.alphaT * e;
        c = midpoint ? 0.5 * (t.alphaT * e) : t.alphaT * (e / (-2 * h) + 1);
        d = t.sigmaT * Math.sqrt(e);
        break;
      }
      case 'sde-dpmsolver': {
        const e = Math.exp(h) - 1;
        a = t.alphaT / s0.alphaT;
        b = -2 * (t.sigmaT * e);
        c = midpoint ? -(t.sigmaT * e) : -2 * (t.sigmaT * (e / h - 1));
        d = t.sigmaT * Math.sqrt(Math.exp(2 * h) - 1);
        break;
      }
    }
    const out = new Float32Array(sample.length);
    for (let k = 0; k < out.length; k++) {
      const d1 = (1 / r0) * (m0[k]! - m1[k]!);
      let v = a * sample[k]! + b * m0[k]! + c * d1;
      if (z) v += d * z[k]!;
      out[k] = v;
    }
    return out;
  }

  /** Third-order multistep update (deterministic algorithms only). */
  private thirdOrderUpdate(sample: Float32Array, i: number): Float32Array {
    const t = lambdaOf(this.sigmaSchedule[i + 1]!);
    const s0 = lambdaOf(this.sigmaSchedule[i]!);
    const s1 = lambdaOf(this.sigmaSchedule[i - 1]!);
    const s2 = lambdaOf(this.sigmaSchedule[i - 2]!);
    const m0 = this.modelOutputs[2]!;
    const m1 = this.modelOutputs[1]!;
    const m2 = this.modelOutputs[0]!;
    const h = t.lambda - s0.lambda;
    const h0 = s0.lambda - s1.lambda;
    const h1 = s1.lambda - s2.lambda;
    const r0 = h0 / h;
    const r1 = h1 / h;
    let a: number;
    let b: number;
    let c: number;
    let e2: number;
    if (this.algorithm === 'dpmsolver++') {
      const e = Math.exp(-h) - 1;
      a = t.sigmaT / s0.sigmaT;
      b = -(t.alphaT * e);
      c = t.alphaT * (e / h + 1);
      e2 = -(t.alphaT * ((e + h) / (h * h) - 0.5));
    } else {
      const e = Math.exp(h) - 1;
      a = t.alphaT / s0.alphaT;
      b = -(t.sigmaT * e);
      c = -(t.sigmaT * (e / h - 1));
      e2 = -(t.sigmaT * ((e - h) / (h * h) - 0.5));
    }
    const out = new Float32Array(sample.length);
    for (let k = 0; k < out.length; k++) {
      const d10 = (1 / r0) * (m0[k]! - m1[k]!);
      const d11 = (1 / r1) * (m1[k]! - m2[k]!);
      const d1 = d10 + (r0 / (r0 + r1)) * (d10 - d11);
      const d2 = (1 / (r0 + r1)) * (d10 - d11);
      out[k] = a * sample[k]! + b * m0[k]! + c * d1 + e2 * d2;
    }
    return out;
  }

  protected addNoiseImpl(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    this.requireSchedule('addNoise');
    const i = this.index.addNoiseIndex(timestep, this.schedule);
    const { alphaT, sigmaT } = sigmaToAlphaSigma(this.sigmaSchedule[i]!);
    const out = new Float32Array(original.length);
    for (let k = 0; k < out.length; k++) out[k] = alphaT * original[k]! + sigmaT * noise[k]!;
    return out;
  }
}
