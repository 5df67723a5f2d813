/**
 * Public types of the diffusion schedulers.
 *
 * Each scheduler reproduces the Hugging Face diffusers 0.31.0 class of the same algorithm
 * (timesteps, sigmas and step math), so a run here matches a diffusers run given the same model
 * outputs and the same noise.
 */
import type { NoiseSource } from '../tensor/noise';

/**
 * Scheduler names, with the diffusers class each one builds:
 * - `ddim`: DDIMScheduler (eta from options, default 0 = deterministic)
 * - `ddpm`: DDPMScheduler (ancestral sampling, noise every step)
 * - `pndm`: PNDMScheduler (PLMS with the SD configs' `skip_prk_steps: true`), the SD 1.x repo default
 * - `euler`: EulerDiscreteScheduler
 * - `euler-a`: EulerAncestralDiscreteScheduler
 * - `dpmpp-2m`: DPMSolverMultistepScheduler, `algorithm_type: dpmsolver++`, `solver_order: 2`
 * - `dpmpp-2m-karras`: the same with `use_karras_sigmas: true`
 * - `lcm`: LCMScheduler (latent consistency models)
 * - `euler-trailing`: EulerDiscreteScheduler with `timestep_spacing: trailing` (SD-Turbo style)
 */
export type SchedulerName =
  | 'ddim'
  | 'ddpm'
  | 'pndm'
  | 'euler'
  | 'euler-a'
  | 'dpmpp-2m'
  | 'dpmpp-2m-karras'
  | 'lcm'
  | 'euler-trailing';

/** Every {@link SchedulerName}, in a stable order (for UIs and validation). */
export const SCHEDULER_NAMES: readonly SchedulerName[] = Object.freeze([
  'ddim',
  'ddpm',
  'pndm',
  'euler',
  'euler-a',
  'dpmpp-2m',
  'dpmpp-2m-karras',
  'lcm',
  'euler-trailing',
] as const);

/**
 * A denoising scheduler. Usage mirrors a diffusers pipeline loop:
 *
 * ```ts
 * scheduler.setTimesteps(steps);
 * const timesteps = strength < 1 ? scheduler.timestepsForStrength(strength) : scheduler.timesteps;
 * let latents = noise.randn(shape, 'initial_noise').map((x) => x * scheduler.initNoiseSigma);
 * for (const t of timesteps) {
 *   const eps = unet(scheduler.scaleModelInput(latents, t), t);
 *   latents = scheduler.step(eps, t, latents, shape, noise);
 * }
 * ```
 *
 * Tensors are flat row-major Float32Arrays; the math runs in float64.
 */
export interface Scheduler {
  /** Which scheduler this is. */
  readonly name: SchedulerName;
  /** The resolved diffusers-style config (snake_case keys, `_class_name` = the diffusers class). */
  readonly config: Readonly<Record<string, unknown>>;
  /** diffusers' `order` attribute: model evaluations per timestep (1 for every scheduler here). */
  readonly order: number;
  /** Standard deviation of the initial noise (`latents = noise * initNoiseSigma`); valid after {@link setTimesteps}. */
  readonly initNoiseSigma: number;
  /** Timesteps to feed the UNet, in order, after {@link setTimesteps} (empty before). May be fractional. */
  readonly timesteps: readonly number[];
  /** Noise levels σ (one more than timesteps, ending at the final σ) for sigma-based schedulers, else undefined. */
  readonly sigmas: readonly number[] | undefined;
  /** Builds the schedule for `numInferenceSteps` steps and resets all per-run state. */
  setTimesteps(numInferenceSteps: number): void;
  /**
   * img2img / inpaint strength: `init = min(floor(N * strength), N)`, `tStart = max(N - init, 0)`;
   * returns `timesteps.slice(tStart * order)` and calls `setBeginIndex(tStart * order)`.
   * Must be called after {@link setTimesteps}.
   */
  timestepsForStrength(strength: number): readonly number[];
  /**
   * Position in {@link timesteps} of the first timestep the run will use (diffusers'
   * `set_begin_index`). Only the schedulers that look their noise level up by position (Euler,
   * Euler ancestral, DPM-Solver, LCM) use it, as in diffusers; DDIM, DDPM and PNDM ignore it.
   */
  setBeginIndex(index: number): void;
  /** Scales the latents before the UNet (divides by sqrt(σ² + 1) for sigma schedulers; identity otherwise). */
  scaleModelInput(sample: Float32Array, timestep: number): Float32Array;
  /**
   * One denoising step: from the model output at `timestep` and the current sample, the sample
   * at the next timestep. `shape` is the sample's shape; random draws are requested from `noise`
   * as `noise.randn(shape, 'scheduler_step_noise[step=K]')`, K counting step() calls since
   * {@link setTimesteps} (0-based).
   */
  step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    shape: readonly number[],
    noise: NoiseSource,
  ): Float32Array;
  /** Forward-diffuses clean latents to `timestep` (img2img initial latents, inpaint re-noising). */
  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array;
}
