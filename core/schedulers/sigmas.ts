/**
 * Sigma helpers for the k-diffusion style schedulers (Euler, Euler ancestral, DPM-Solver).
 *
 * In the variance-exploding view of a DDPM (Karras et al. 2022, "Elucidating the Design Space
 * of Diffusion-Based Generative Models"), x_t / sqrt(ᾱ_t) = x_0 + σ_t · ε with
 * σ_t = sqrt((1 - ᾱ_t) / ᾱ_t). The schedulers step in σ and map σ back to a (possibly
 * fractional) training timestep for the UNet.
 *
 * @internal
 */
import { f32, interpIntegerGrid, npLinspace } from './numeric';

/** σ_t for every training timestep (ascending in t), float32 like diffusers' torch tensor. */
export function trainSigmas(alphasCumprod: Float64Array): Float64Array {
  return alphasCumprod.map((a) => f32(Math.sqrt(f32(f32(1 - a) / a))));
}

/** `np.log` of the float32 sigma table (the result stays float32). */
export function logSigmas(sigmas: Float64Array): Float64Array {
  return sigmas.map((s) => f32(Math.log(s)));
}

/** σ at each (possibly fractional) timestep by linear interpolation in t (`np.interp`). */
export function interpolateSigmas(timesteps: readonly number[], sigmas: Float64Array): number[] {
  return timesteps.map((t) => interpIntegerGrid(t, sigmas));
}

/**
 * The Karras et al. 2022 noise levels (their eq. 5, ρ = 7): N values from `sigmaMax` down to
 * `sigmaMin`, evenly spaced in σ^(1/ρ), which concentrates steps at low noise.
 */
export function karrasSigmas(sigmaMin: number, sigmaMax: number, n: number): number[] {
  const rho = 7.0;
  const minInvRho = sigmaMin ** (1 / rho);
  const maxInvRho = sigmaMax ** (1 / rho);
  return npLinspace(0, 1, n).map((r) => (maxInvRho + r * (minInvRho - maxInvRho)) ** rho);
}

/**
 * Inverse of the σ(t) table: the fractional timestep whose σ is `sigma`, interpolating
 * linearly in log σ between the two neighbouring training timesteps (diffusers' `_sigma_to_t`).
 */
export function sigmaToT(sigma: number, logSigmaTable: Float64Array): number {
  const logSigma = Math.log(Math.max(sigma, 1e-10));
  const n = logSigmaTable.length;
  // Last index whose log σ is <= log σ (0 when there is none), clipped so that a right neighbour exists.
  let low = 0;
  for (let i = 0; i < n; i++) if (logSigma - logSigmaTable[i]! >= 0) low = i;
  low = Math.min(low, n - 2);
  const high = low + 1;
  const lo = logSigmaTable[low]!;
  const hi = logSigmaTable[high]!;
  let w = (lo - logSigma) / (lo - hi);
  w = Math.min(Math.max(w, 0), 1);
  return (1 - w) * low + w * high;
}

/** VP coefficients of a VE noise level: α_t = 1/sqrt(σ² + 1), σ_t = σ · α_t. */
export function sigmaToAlphaSigma(sigma: number): { alphaT: number; sigmaT: number } {
  const alphaT = 1 / Math.sqrt(sigma * sigma + 1);
  return { alphaT, sigmaT: sigma * alphaT };
}
