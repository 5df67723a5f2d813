/**
 * Noise-schedule tables shared by every scheduler: betas, alphas_cumprod (ᾱ_t) and the
 * zero-terminal-SNR rescale. diffusers builds these in float32 tensors; we reproduce the
 * float32 rounding of each element (so sigmas and the timesteps derived from them match
 * diffusers exactly) and then do every per-step computation in float64.
 *
 * @internal
 */
import { SchedulerConfigError } from '../errors';
import { f32, torchLinspaceF32 } from './numeric';

/** Beta schedules diffusers' SD-family schedulers accept. */
export type BetaSchedule = 'linear' | 'scaled_linear' | 'squaredcos_cap_v2';

/** Inputs of {@link makeBetas}, in diffusers' config vocabulary. */
export interface BetaParams {
  numTrainTimesteps: number;
  betaStart: number;
  betaEnd: number;
  betaSchedule: BetaSchedule;
  trainedBetas: readonly number[] | null;
  rescaleBetasZeroSnr: boolean;
}

/**
 * diffusers' `betas_for_alpha_bar(..., alpha_transform_type="cosine")`: the "squaredcos_cap_v2"
 * schedule of Nichol & Dhariwal 2021 (improved DDPM), ᾱ(t) = cos²((t + 0.008)/1.008 · π/2),
 * betas capped at 0.999 to avoid a singularity at t = 1.
 */
function betasForAlphaBarCosine(numDiffusionTimesteps: number, maxBeta = 0.999): Float64Array {
  const alphaBar = (t: number): number => Math.cos(((t + 0.008) / 1.008) * Math.PI / 2) ** 2;
  const betas = new Float64Array(numDiffusionTimesteps);
  for (let i = 0; i < numDiffusionTimesteps; i++) {
    const t1 = i / numDiffusionTimesteps;
    const t2 = (i + 1) / numDiffusionTimesteps;
    betas[i] = f32(Math.min(1 - alphaBar(t2) / alphaBar(t1), maxBeta));
  }
  return betas;
}

/** `torch.cumprod` on a float32 CPU tensor: accumulates in double, stores each prefix as float32. */
function cumprodF32(values: Float64Array): Float64Array {
  const out = new Float64Array(values.length);
  let acc = 1;
  for (let i = 0; i < values.length; i++) {
    acc *= values[i]!;
    out[i] = f32(acc);
  }
  return out;
}

/**
 * Rescale betas to a zero terminal SNR (Lin et al. 2023, "Common Diffusion Noise Schedules
 * and Sample Steps are Flawed", Algorithm 1), as diffusers' `rescale_zero_terminal_snr`.
 */
function rescaleZeroTerminalSnr(betas: Float64Array): Float64Array {
  const n = betas.length;
  const alphas = betas.map((b) => f32(1 - b));
  const alphasCumprod = cumprodF32(alphas);
  const sqrtAc = alphasCumprod.map((a) => f32(Math.sqrt(a)));
  const first = sqrtAc[0]!;
  const last = sqrtAc[n - 1]!;
  const scale = f32(first / f32(first - last));
  for (let i = 0; i < n; i++) sqrtAc[i] = f32(f32(sqrtAc[i]! - last) * scale);
  const alphaBar = sqrtAc.map((s) => f32(s * s));
  const out = new Float64Array(n);
  out[0] = f32(1 - alphaBar[0]!);
  for (let i = 1; i < n; i++) out[i] = f32(1 - f32(alphaBar[i]! / alphaBar[i - 1]!));
  return out;
}

/** The `betas` table of a diffusers scheduler `__init__` (float32 values). */
export function makeBetas(p: BetaParams): Float64Array {
  let betas: Float64Array;
  if (p.trainedBetas !== null) {
    if (p.trainedBetas.length !== p.numTrainTimesteps) {
      throw new SchedulerConfigError(
        `Scheduler config: trained_betas has ${p.trainedBetas.length} values but num_train_timesteps is ${p.numTrainTimesteps}; they must match.`,
      );
    }
    betas = Float64Array.from(p.trainedBetas, (b) => f32(b));
  } else if (p.betaSchedule === 'linear') {
    betas = torchLinspaceF32(p.betaStart, p.betaEnd, p.numTrainTimesteps);
  } else if (p.betaSchedule === 'scaled_linear') {
    // "scaled_linear" is specific to latent diffusion (Stable Diffusion): linear in sqrt(beta).
    betas = torchLinspaceF32(p.betaStart ** 0.5, p.betaEnd ** 0.5, p.numTrainTimesteps).map((b) => f32(b * b));
  } else {
    betas = betasForAlphaBarCosine(p.numTrainTimesteps);
  }
  return p.rescaleBetasZeroSnr ? rescaleZeroTerminalSnr(betas) : betas;
}

/** ᾱ_t = ∏_{s<=t} (1 - β_s) (float32 values, as diffusers' `alphas_cumprod`). */
export function makeAlphasCumprod(betas: Float64Array): Float64Array {
  return cumprodF32(betas.map((b) => f32(1 - b)));
}

/**
 * `alphas_cumprod` as the sigma-based schedulers (Euler, Euler ancestral, DPM-Solver) hold it:
 * with a zero-terminal-SNR rescale diffusers replaces the final ᾱ (exactly 0) by 2^-24 so the
 * first sigma is finite instead of infinite.
 */
export function makeAlphasCumprodForSigmas(betas: Float64Array, rescaleBetasZeroSnr: boolean): Float64Array {
  const ac = makeAlphasCumprod(betas);
  if (rescaleBetasZeroSnr) ac[ac.length - 1] = 2 ** -24;
  return ac;
}
