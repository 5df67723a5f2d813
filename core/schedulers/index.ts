/**
 * Diffusion schedulers, numerically matching Hugging Face diffusers 0.31.0.
 *
 * ```ts
 * const scheduler = createScheduler('dpmpp-2m-karras', repo.schedulerConfig);
 * scheduler.setTimesteps(20);
 * ```
 */
import { SchedulerConfigError } from '../errors';
import { resolveConfig } from './config';
import type { SchedulerConfig } from './config';
import { DDIM_DEFAULTS, DdimScheduler } from './ddim';
import { DDIM_INVERSE_DEFAULTS, DdimInverseScheduler } from './ddim-inverse';
import { DDPM_DEFAULTS, DdpmScheduler } from './ddpm';
import { DPM_SOLVER_MULTISTEP_DEFAULTS, DpmSolverMultistepScheduler, normalizeDpmSolverConfig } from './dpm-solver-multistep';
import { EULER_ANCESTRAL_DEFAULTS, EulerAncestralScheduler } from './euler-ancestral';
import { EULER_DEFAULTS, EulerScheduler } from './euler';
import { LCM_DEFAULTS, LcmScheduler } from './lcm';
import { PNDM_DEFAULTS, PndmScheduler } from './pndm';
import { SCHEDULER_NAMES } from './types';
import type { Scheduler, SchedulerName } from './types';

export { SCHEDULER_NAMES } from './types';
export type { Scheduler, SchedulerName } from './types';
export { DdimInverseScheduler, DDIM_INVERSE_DEFAULTS } from './ddim-inverse';
export { LinearStepTracer, linearStepSupport, type TracedTerm } from './linear';

/** Options of {@link createScheduler}. */
export interface SchedulerOptions {
  /** DDIM's η (0 = deterministic DDIM, 1 = DDPM-like noise). Default 0; ignored by the other schedulers, as in diffusers pipelines. */
  eta?: number;
  /**
   * Extra `from_config` keyword overrides (snake_case diffusers keys, e.g. `{ prediction_type: 'v_prediction' }`),
   * applied after the repo config and the name's own overrides. Keys the scheduler class does not have are rejected.
   */
  overrides?: Record<string, unknown>;
}

interface SchedulerEntry {
  /** The diffusers class this name builds. */
  className: string;
  defaults: Readonly<SchedulerConfig>;
  /** Config overrides the name itself implies. */
  implied: Readonly<SchedulerConfig>;
  build(name: SchedulerName, config: SchedulerConfig, options: SchedulerOptions): Scheduler;
}

const DPMPP_2M = { algorithm_type: 'dpmsolver++', solver_order: 2 } as const;

const ENTRIES: Readonly<Record<SchedulerName, SchedulerEntry>> = {
  ddim: {
    className: 'DDIMScheduler',
    defaults: DDIM_DEFAULTS,
    implied: {},
    build: (name, config, options) => new DdimScheduler(name, config, options.eta ?? 0),
  },
  ddpm: {
    className: 'DDPMScheduler',
    defaults: DDPM_DEFAULTS,
    implied: {},
    build: (name, config) => new DdpmScheduler(name, config),
  },
  pndm: {
    className: 'PNDMScheduler',
    defaults: PNDM_DEFAULTS,
    implied: {},
    build: (name, config) => new PndmScheduler(name, config),
  },
  euler: {
    className: 'EulerDiscreteScheduler',
    defaults: EULER_DEFAULTS,
    implied: {},
    build: (name, config) => new EulerScheduler(name, config),
  },
  'euler-trailing': {
    className: 'EulerDiscreteScheduler',
    defaults: EULER_DEFAULTS,
    implied: { timestep_spacing: 'trailing' },
    build: (name, config) => new EulerScheduler(name, config),
  },
  'euler-a': {
    className: 'EulerAncestralDiscreteScheduler',
    defaults: EULER_ANCESTRAL_DEFAULTS,
    implied: {},
    build: (name, config) => new EulerAncestralScheduler(name, config),
  },
  'dpmpp-2m': {
    className: 'DPMSolverMultistepScheduler',
    defaults: DPM_SOLVER_MULTISTEP_DEFAULTS,
    implied: { ...DPMPP_2M, use_karras_sigmas: false },
    build: (name, config) => new DpmSolverMultistepScheduler(name, config),
  },
  'dpmpp-2m-karras': {
    className: 'DPMSolverMultistepScheduler',
    defaults: DPM_SOLVER_MULTISTEP_DEFAULTS,
    implied: { ...DPMPP_2M, use_karras_sigmas: true },
    build: (name, config) => new DpmSolverMultistepScheduler(name, config),
  },
  lcm: {
    className: 'LCMScheduler',
    defaults: LCM_DEFAULTS,
    implied: {},
    build: (name, config) => new LcmScheduler(name, config),
  },
};

/** The diffusers class a scheduler name builds (e.g. `'euler-trailing'` → `'EulerDiscreteScheduler'`). */
export function schedulerClassName(name: SchedulerName): string {
  return checkName(name).className;
}

function checkName(name: string): SchedulerEntry {
  if (!(SCHEDULER_NAMES as readonly string[]).includes(name)) {
    throw new SchedulerConfigError(`Unknown scheduler "${name}" (choose one of ${SCHEDULER_NAMES.join(', ')}).`);
  }
  return ENTRIES[name as SchedulerName];
}

/**
 * The scheduler a model repo ships, from its `scheduler_config.json` `_class_name`:
 * PNDMScheduler → `pndm`, DDIMScheduler → `ddim`, DDPMScheduler → `ddpm`,
 * EulerDiscreteScheduler → `euler-trailing` when `timestep_spacing` is "trailing", else `euler`,
 * EulerAncestralDiscreteScheduler → `euler-a`, DPMSolverMultistepScheduler → `dpmpp-2m-karras`
 * when `use_karras_sigmas` is true, else `dpmpp-2m`, LCMScheduler → `lcm`.
 *
 * Any other (or a missing) class falls back to the closest scheduler we have rather than
 * failing: `euler-trailing` for a "trailing" config (few-step models), else `dpmpp-2m`
 * (LMS, Heun, UniPC, DEIS, DPM singlestep are all deterministic ODE solvers like DPM++ 2M).
 */
export function defaultSchedulerName(repoConfig: Readonly<Record<string, unknown>>): SchedulerName {
  const trailing = repoConfig.timestep_spacing === 'trailing';
  switch (repoConfig._class_name) {
    case 'PNDMScheduler':
      return 'pndm';
    case 'DDIMScheduler':
      return 'ddim';
    case 'DDPMScheduler':
      return 'ddpm';
    case 'EulerDiscreteScheduler':
      return trailing ? 'euler-trailing' : 'euler';
    case 'EulerAncestralDiscreteScheduler':
      return 'euler-a';
    case 'DPMSolverMultistepScheduler':
      return repoConfig.use_karras_sigmas === true ? 'dpmpp-2m-karras' : 'dpmpp-2m';
    case 'LCMScheduler':
      return 'lcm';
    default:
      return trailing ? 'euler-trailing' : 'dpmpp-2m';
  }
}

/**
 * Builds a scheduler like diffusers' `<Class>.from_config(repoSchedulerConfig, **overrides)`.
 *
 * The repo's `scheduler_config.json` (whatever its `_class_name`) provides the training noise
 * schedule and conventions (betas, `timestep_spacing`, `steps_offset`, `prediction_type`, ...);
 * `name` picks the algorithm (see {@link SchedulerName}) and brings its own overrides
 * (`dpmpp-2m`: `algorithm_type: dpmsolver++`, `solver_order: 2`, `use_karras_sigmas: false`;
 * `dpmpp-2m-karras`: the same with `use_karras_sigmas: true`; `euler-trailing`:
 * `timestep_spacing: trailing`); `options.overrides` come last. With `name` undefined the
 * repo's own scheduler is used ({@link defaultSchedulerName}), with that name's overrides.
 *
 * @throws SchedulerConfigError when the name is unknown or the resolved config asks for
 *   something not implemented (e.g. `thresholding: true`, an unknown `beta_schedule`); the
 *   message names the key and the value.
 */
export function createScheduler(
  name: SchedulerName | undefined,
  repoConfig: Readonly<Record<string, unknown>>,
  options: SchedulerOptions = {},
): Scheduler {
  const resolvedName = name ?? defaultSchedulerName(repoConfig);
  const entry = checkName(resolvedName);
  const overrides = { ...entry.implied, ...(options.overrides ?? {}) };
  const config = resolveConfig(entry.className, entry.defaults, repoConfig, overrides);
  if (entry.className === 'DPMSolverMultistepScheduler') normalizeDpmSolverConfig(config);
  return entry.build(resolvedName, config, options);
}

/**
 * Builds diffusers' `DDIMInverseScheduler.from_config(repoSchedulerConfig, **overrides)`: the
 * inversion partner of `ddim`, from the same repo config (so SD configs keep
 * `set_alpha_to_one: false` and `steps_offset: 1`). DiffEdit inverts the image with it.
 */
export function createInverseScheduler(
  repoConfig: Readonly<Record<string, unknown>>,
  overrides: Record<string, unknown> = {},
): DdimInverseScheduler {
  return new DdimInverseScheduler(resolveConfig('DDIMInverseScheduler', DDIM_INVERSE_DEFAULTS, repoConfig, overrides));
}
