/**
 * Inference timestep schedules ("timestep_spacing"), as diffusers computes them.
 *
 * The three spacings follow Table 2 of Lin et al. 2023 (https://arxiv.org/abs/2305.08891):
 * - `leading`: multiples of ⌊T/N⌋ counted up from 0, plus `steps_offset` (SD 1.x/2.x configs use
 *   offset 1, so 20 steps give 951, 901, ..., 1).
 * - `trailing`: counted down from T (T/N apart, rounded), minus 1: always starts at T-1 = 999,
 *   which few-step models (SD-Turbo, LCM-style distillations) need.
 * - `linspace`: `np.linspace(0, T-1, N)`, rounded (DDIM-style) or left fractional (Euler-style).
 *
 * @internal
 */
import { f32, npArange, npLinspace, roundHalfEven } from './numeric';
import type { ConfigReader } from './config';

/** The `timestep_spacing` values diffusers accepts. */
export type TimestepSpacing = 'leading' | 'trailing' | 'linspace';

export const TIMESTEP_SPACINGS: readonly TimestepSpacing[] = ['leading', 'trailing', 'linspace'];

/** Reads `timestep_spacing`. */
export function readSpacing(reader: ConfigReader): TimestepSpacing {
  return reader.oneOf('timestep_spacing', TIMESTEP_SPACINGS);
}

/**
 * `np.round(np.arange(start, 0, -step)) - 1` (the "trailing" spacing). For some N (61, 103,
 * 121, ... with T = 1000) the float arange yields one element too many, a value ~1e-13 that
 * rounds to 0 and becomes timestep -1; diffusers then indexes ᾱ[-1] (Python wraps to ᾱ_999).
 * That is a diffusers bug, not a schedule: we drop such negative timesteps.
 */
function trailing(start: number, step: number): number[] {
  return npArange(start, 0, -step)
    .map((v) => roundHalfEven(v) - 1)
    .filter((t) => t >= 0);
}

/**
 * Integer timesteps, descending, as DDIM / DDPM `set_timesteps` build them (PNDM uses the same
 * values; the Euler schedulers the same for `leading` and `trailing`).
 */
export function integerTimesteps(spacing: TimestepSpacing, numTrain: number, n: number, stepsOffset: number): number[] {
  if (spacing === 'linspace') {
    return npLinspace(0, numTrain - 1, n).map(roundHalfEven).reverse();
  }
  if (spacing === 'leading') {
    // Integer step ratio: "casting to int to avoid issues when num_inference_step is power of 3".
    const ratio = Math.floor(numTrain / n);
    const out: number[] = [];
    for (let i = n - 1; i >= 0; i--) out.push(i * ratio + stepsOffset);
    return out;
  }
  return trailing(numTrain, numTrain / n);
}

/**
 * Euler / Euler-ancestral timesteps (float32 values, descending): like
 * {@link integerTimesteps} except that `linspace` is not rounded.
 */
export function eulerTimesteps(spacing: TimestepSpacing, numTrain: number, n: number, stepsOffset: number): number[] {
  if (spacing === 'linspace') return npLinspace(0, numTrain - 1, n).map(f32).reverse();
  return integerTimesteps(spacing, numTrain, n, stepsOffset);
}

/**
 * DPM-Solver multistep timesteps: the schedule is laid out over N+1 points and the last
 * (t ≈ 0) dropped, and `lastTimestep` (from `lambda_min_clipped`) may cut off the noisiest end.
 */
export function dpmSolverTimesteps(
  spacing: TimestepSpacing,
  numTrain: number,
  lastTimestep: number,
  n: number,
  stepsOffset: number,
): number[] {
  if (spacing === 'linspace') {
    return npLinspace(0, lastTimestep - 1, n + 1)
      .map(roundHalfEven)
      .reverse()
      .slice(0, n);
  }
  if (spacing === 'leading') {
    const ratio = Math.floor(lastTimestep / (n + 1));
    const out: number[] = [];
    for (let i = n; i >= 1; i--) out.push(i * ratio + stepsOffset);
    return out;
  }
  return trailing(lastTimestep, numTrain / n);
}
