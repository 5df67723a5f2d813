/**
 * PNDM (Liu et al. 2022, "Pseudo Numerical Methods for Diffusion Models on Manifolds",
 * https://arxiv.org/abs/2202.09778), as diffusers' PNDMScheduler: the pseudo linear multistep
 * method (PLMS, Adams-Bashforth on ε) with the transfer part of formula (9).
 *
 * The SD configs set `skip_prk_steps: true`, which replaces the 3 Runge-Kutta warm-up steps by
 * crowsonkb's PLMS start (CompVis/latent-diffusion#51): the second timestep is evaluated twice
 * (first an Euler step, then a Heun-style correction), so N steps give N+1 model evaluations.
 * With `skip_prk_steps: false` the original pseudo Runge-Kutta warm-up (4 evaluations per step for
 * the first 3 steps) runs, as in diffusers.
 */
import { SchedulerConfigError } from '../errors';
import { SchedulerBase, addNoiseVp, checkIntegerTimestep } from './base';
import type { StepNoise } from './base';
import { makeAlphasCumprod, makeBetas } from './betas';
import { BETA_DEFAULTS, ConfigReader } from './config';
import type { SchedulerConfig } from './config';
import { integerTimesteps, readSpacing } from './spacing';
import type { TimestepSpacing } from './spacing';
import type { SchedulerName } from './types';

/** PNDMScheduler `__init__` defaults (diffusers 0.31.0). */
export const PNDM_DEFAULTS: Readonly<SchedulerConfig> = Object.freeze({
  ...BETA_DEFAULTS,
  skip_prk_steps: false,
  set_alpha_to_one: false,
  prediction_type: 'epsilon',
  timestep_spacing: 'leading',
  steps_offset: 0,
});

/** Linear multistep order of PNDM (number of past ε kept). */
const PNDM_ORDER = 4;

/** PNDMScheduler. */
export class PndmScheduler extends SchedulerBase {
  private readonly alphasCumprod: Float64Array;
  private readonly finalAlphaCumprod: number;
  private readonly numTrain: number;
  private readonly vPrediction: boolean;
  private readonly skipPrk: boolean;
  private readonly stepsOffset: number;
  private readonly spacing: TimestepSpacing;

  private prkTimesteps: number[] = [];
  /** Past model outputs (ε), oldest first. */
  private ets: Float64Array[] = [];
  private counter = 0;
  private curSample: Float64Array | undefined = undefined;
  private curModelOutput: Float64Array | undefined = undefined;

  constructor(name: SchedulerName, config: SchedulerConfig) {
    super(name, config);
    const r = new ConfigReader(config, 'PNDMScheduler');
    this.alphasCumprod = makeAlphasCumprod(makeBetas(r.betaParams({ rescaleKey: false })));
    this.numTrain = this.alphasCumprod.length;
    this.finalAlphaCumprod = r.bool('set_alpha_to_one') ? 1 : this.alphasCumprod[0]!;
    this.vPrediction = r.oneOf('prediction_type', ['epsilon', 'v_prediction']) === 'v_prediction';
    this.skipPrk = r.bool('skip_prk_steps');
    this.stepsOffset = r.int('steps_offset', { min: 0 });
    this.spacing = readSpacing(r);
  }

  get initNoiseSigma(): number {
    return 1.0;
  }

  protected buildSchedule(n: number): void {
    if (n > this.numTrain) {
      throw new SchedulerConfigError(`PNDMScheduler: ${n} inference steps exceed num_train_timesteps = ${this.numTrain}.`);
    }
    // diffusers keeps `_timesteps` ascending; same values as the DDIM schedule.
    const asc = integerTimesteps(this.spacing, this.numTrain, n, this.stepsOffset).reverse();
    if (this.skipPrk) {
      // [t_0 .. t_{n-2}, t_{n-2}, t_{n-1}] reversed: the second-highest timestep appears twice.
      const plms = [...asc.slice(0, -1), ...asc.slice(-2, -1), ...asc.slice(-1)].reverse();
      this.prkTimesteps = [];
      this.schedule = plms;
    } else {
      if (n < PNDM_ORDER) {
        // diffusers fails here too (numpy cannot broadcast the warm-up timesteps).
        throw new SchedulerConfigError(
          `PNDMScheduler: skip_prk_steps = false needs at least ${PNDM_ORDER} inference steps, got ${n}.`,
        );
      }
      const half = Math.floor(Math.floor(this.numTrain / n) / 2);
      const last = asc.slice(-PNDM_ORDER);
      const pairs: number[] = [];
      for (const t of last) pairs.push(t, t + half);
      const trimmed = pairs.slice(0, -1);
      const doubled: number[] = [];
      for (const t of trimmed) doubled.push(t, t);
      this.prkTimesteps = doubled.slice(1, -1).reverse();
      this.schedule = [...this.prkTimesteps, ...asc.slice(0, -3).reverse()];
    }
  }

  protected resetRunState(): void {
    this.ets = [];
    this.counter = 0;
    this.curSample = undefined;
    this.curModelOutput = undefined;
  }

  protected stepImpl(modelOutput: Float32Array, timestep: number, sample: Float32Array, _noise: StepNoise): Float32Array {
    const t = checkIntegerTimestep(timestep, this.numTrain);
    const out =
      this.counter < this.prkTimesteps.length && !this.skipPrk
        ? this.stepPrk(Float64Array.from(modelOutput), t, Float64Array.from(sample))
        : this.stepPlms(Float64Array.from(modelOutput), t, Float64Array.from(sample));
    this.counter += 1;
    return Float32Array.from(out);
  }

  /** Pseudo Runge-Kutta (4 evaluations per step), the original PNDM warm-up. */
  private stepPrk(modelOutput: Float64Array, timestep: number, sample: Float64Array): Float64Array {
    const n = this.numInferenceSteps!;
    const diffToPrev = this.counter % 2 ? 0 : Math.floor(Math.floor(this.numTrain / n) / 2);
    const prevTimestep = timestep - diffToPrev;
    const t = this.prkTimesteps[Math.floor(this.counter / 4) * 4]!;
    const phase = this.counter % 4;
    let eps = modelOutput;
    const acc = this.curModelOutput ?? new Float64Array(modelOutput.length);
    if (phase === 0) {
      for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! + (1 / 6) * modelOutput[i]!;
      this.curModelOutput = acc;
      this.ets.push(modelOutput);
      this.curSample = sample;
    } else if (phase === 1 || phase === 2) {
      for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! + (1 / 3) * modelOutput[i]!;
      this.curModelOutput = acc;
    } else {
      eps = new Float64Array(modelOutput.length);
      for (let i = 0; i < eps.length; i++) eps[i] = acc[i]! + (1 / 6) * modelOutput[i]!;
      this.curModelOutput = undefined;
    }
    const base = this.curSample ?? sample;
    return this.prevSample(base, t, prevTimestep, eps);
  }

  /** Linear multistep (Adams-Bashforth orders 1-4 on ε), diffusers' `step_plms`. */
  private stepPlms(modelOutput: Float64Array, timestep: number, sample: Float64Array): Float64Array {
    if (!this.skipPrk && this.ets.length < 3) {
      throw new SchedulerConfigError(
        'PNDMScheduler: PLMS steps need the 3 Runge-Kutta warm-up steps first (skip_prk_steps = false).',
      );
    }
    const n = this.numInferenceSteps!;
    const ratio = Math.floor(this.numTrain / n);
    let t = timestep;
    let prevTimestep = t - ratio;
    if (this.counter !== 1) {
      this.ets = this.ets.slice(-3);
      this.ets.push(modelOutput);
    } else {
      // Second evaluation at the same timestep (skip_prk_steps start): redo the first step from
      // the stored sample with the averaged ε, i.e. step from t + ratio to t.
      prevTimestep = t;
      t = t + ratio;
    }
    const e = this.ets;
    const len = e.length;
    let eps: Float64Array;
    let x = sample;
    const size = modelOutput.length;
    if (len === 1 && this.counter === 0) {
      eps = modelOutput;
      this.curSample = sample;
    } else if (len === 1 && this.counter === 1) {
      eps = new Float64Array(size);
      for (let i = 0; i < size; i++) eps[i] = (modelOutput[i]! + e[0]![i]!) / 2;
      x = this.curSample!;
      this.curSample = undefined;
    } else if (len === 2) {
      eps = new Float64Array(size);
      for (let i = 0; i < size; i++) eps[i] = (3 * e[1]![i]! - e[0]![i]!) / 2;
    } else if (len === 3) {
      eps = new Float64Array(size);
      for (let i = 0; i < size; i++) eps[i] = (23 * e[2]![i]! - 16 * e[1]![i]! + 5 * e[0]![i]!) / 12;
    } else {
      eps = new Float64Array(size);
      for (let i = 0; i < size; i++) {
        eps[i] = (1 / 24) * (55 * e[len - 1]![i]! - 59 * e[len - 2]![i]! + 37 * e[len - 3]![i]! - 9 * e[len - 4]![i]!);
      }
    }
    return this.prevSample(x, t, prevTimestep, eps);
  }

  /** Formula (9) of the PNDM paper: x_{t-δ} from x_t and ε (the "transfer" φ). */
  private prevSample(sample: Float64Array, timestep: number, prevTimestep: number, modelOutput: Float64Array): Float64Array {
    const alphaProdT = this.alphasCumprod[timestep]!;
    const alphaProdPrev = prevTimestep >= 0 ? this.alphasCumprod[prevTimestep]! : this.finalAlphaCumprod;
    const betaProdT = 1 - alphaProdT;
    const betaProdPrev = 1 - alphaProdPrev;
    const sqrtA = Math.sqrt(alphaProdT);
    const sqrtB = Math.sqrt(betaProdT);
    const sampleCoeff = Math.sqrt(alphaProdPrev / alphaProdT);
    const denom = alphaProdT * Math.sqrt(betaProdPrev) + Math.sqrt(alphaProdT * betaProdT * alphaProdPrev);
    const k = (alphaProdPrev - alphaProdT) / denom;
    const out = new Float64Array(sample.length);
    for (let i = 0; i < out.length; i++) {
      // v-prediction: convert v to ε first (ε = sqrt(ᾱ) v + sqrt(1-ᾱ) x_t).
      const eps = this.vPrediction ? sqrtA * modelOutput[i]! + sqrtB * sample[i]! : modelOutput[i]!;
      out[i] = sampleCoeff * sample[i]! - k * eps;
    }
    return out;
  }

  protected addNoiseImpl(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    const t = checkIntegerTimestep(timestep, this.numTrain);
    return addNoiseVp(original, noise, this.alphasCumprod[t]!);
  }
}
