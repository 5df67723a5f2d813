/**
 * Shared helpers of the scheduler tests: the diffusers 0.31.0 golden file and tolerant
 * comparison.
 */
import { readFileSync } from 'node:fs';
import type { SchedulerOptions } from '../../core/schedulers';
import type { SchedulerName } from '../../core/schedulers';

export interface GoldenStep {
  i: number;
  t: number;
  scale_model_input: number[];
  model_output: number[];
  prev_sample: number[];
  noise_draws: number[];
}

export interface GoldenVariant {
  class: string;
  config_overrides: Record<string, unknown>;
  step_kwargs: Record<string, unknown>;
  config: Record<string, unknown>;
  order: number;
  set_timesteps: Record<string, { timesteps: number[]; sigmas?: number[]; init_noise_sigma: number | number[] }>;
  'img2img_strength_0.6_N20': { timesteps: number[]; num_inference_steps_after_strength: number; begin_index: number | null };
  trace: {
    init_noise_sigma: number | number[];
    initial_noise: number[];
    initial_latents: number[];
    noise: number[][];
    steps: GoldenStep[];
  };
  add_noise_example: { original: number[]; noise: number[]; timestep: number; noisy: number[] };
}

export interface GoldenFile {
  description: string;
  base_config: Record<string, unknown>;
  trace_steps: number;
  schedulers: Record<string, GoldenVariant>;
}

/**
 * Loads golden/schedulers.json. Python's json module writes `-Infinity` (for DPM-Solver's
 * `lambda_min_clipped`), which JSON.parse rejects: it is read as a string and turned back into
 * the number.
 */
export function loadGolden(): GoldenFile {
  const url = new URL('../fixtures/tiny-sd/golden/schedulers.json', import.meta.url);
  const text = readFileSync(url, 'utf8').replace(/(?<=[:,[]\s*)(-?)Infinity\b/g, '"$1Infinity"');
  return JSON.parse(text, (_key, value: unknown) =>
    value === '-Infinity' ? -Infinity : value === 'Infinity' ? Infinity : value,
  ) as GoldenFile;
}

/** How each golden variant maps onto our API. */
export const VARIANTS: Readonly<Record<string, { name: SchedulerName; options: SchedulerOptions }>> = {
  DDIM_eta0: { name: 'ddim', options: { eta: 0 } },
  DDIM_eta1: { name: 'ddim', options: { eta: 1 } },
  DDPM: { name: 'ddpm', options: {} },
  PNDM_plms: { name: 'pndm', options: {} },
  EulerDiscrete: { name: 'euler', options: {} },
  EulerAncestralDiscrete: { name: 'euler-a', options: {} },
  DPMSolverMultistep_dpmpp2m: { name: 'dpmpp-2m', options: {} },
  DPMSolverMultistep_dpmpp2m_karras: { name: 'dpmpp-2m-karras', options: {} },
  LCM: { name: 'lcm', options: {} },
  EulerDiscrete_trailing: { name: 'euler-trailing', options: {} },
};

/** diffusers stores some scalars as 1-element tensors (`[4.2364135]`). */
export function scalar(v: number | number[]): number {
  return Array.isArray(v) ? v[0]! : v;
}

/**
 * Tolerance: |actual - expected| <= REL * max(|expected|, FLOOR), i.e. 1e-5 relative, with an
 * absolute floor of 1e-7 near zero. The golden values are rounded to 7 decimals (up to 5e-8
 * absolute), so a pure relative test would be meaningless for values close to 0.
 */
export const REL = 1e-5;
export const FLOOR = 1e-2;

/** Largest |a - b| / max(|b|, FLOOR) over the arrays (Infinity if lengths differ). */
export function maxRelError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const err = Math.abs(actual[i]! - e) / Math.max(Math.abs(e), FLOOR);
    if (!(err <= worst)) worst = Number.isNaN(err) ? Infinity : err;
  }
  return worst;
}

/** Human-readable first mismatch, or undefined when everything is within tolerance. */
export function firstMismatch(actual: ArrayLike<number>, expected: ArrayLike<number>): string | undefined {
  if (actual.length !== expected.length) return `length ${actual.length} != ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    if (!(Math.abs(a - e) <= REL * Math.max(Math.abs(e), FLOOR))) return `[${i}] ${a} vs expected ${e}`;
  }
  return undefined;
}
