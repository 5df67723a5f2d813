/**
 * createScheduler: name resolution from the repo config, name-implied and user overrides, and the
 * SchedulerConfigError cases.
 */
import { describe, expect, it } from 'vitest';
import { SchedulerConfigError, StippleError } from '../../core/errors';
import { SCHEDULER_NAMES, createScheduler, defaultSchedulerName, schedulerClassName } from '../../core/schedulers';
import type { SchedulerName } from '../../core/schedulers';
import { loadGolden } from './golden';

const SD15 = loadGolden().base_config;

/** Runs `fn` and returns the SchedulerConfigError it throws (fails the test otherwise). */
function configError(fn: () => unknown): SchedulerConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SchedulerConfigError);
    expect((e as SchedulerConfigError).code).toBe('SCHEDULER_CONFIG');
    return e as SchedulerConfigError;
  }
  throw new Error('expected a SchedulerConfigError');
}

describe('SCHEDULER_NAMES', () => {
  it('lists the nine names, each building its diffusers class', () => {
    expect([...SCHEDULER_NAMES].sort()).toEqual(
      ['ddim', 'ddpm', 'dpmpp-2m', 'dpmpp-2m-karras', 'euler', 'euler-a', 'euler-trailing', 'lcm', 'pndm'].sort(),
    );
    for (const name of SCHEDULER_NAMES) {
      const s = createScheduler(name, SD15);
      expect(s.name).toBe(name);
      expect(s.config._class_name).toBe(schedulerClassName(name));
      expect(s.order).toBe(1);
    }
  });
});

describe('defaultSchedulerName / createScheduler(undefined, ...)', () => {
  const cases: [Record<string, unknown>, SchedulerName][] = [
    [{ _class_name: 'PNDMScheduler' }, 'pndm'],
    [{ _class_name: 'DDIMScheduler' }, 'ddim'],
    [{ _class_name: 'DDPMScheduler' }, 'ddpm'],
    [{ _class_name: 'EulerDiscreteScheduler', timestep_spacing: 'leading' }, 'euler'],
    [{ _class_name: 'EulerDiscreteScheduler', timestep_spacing: 'trailing' }, 'euler-trailing'],
    [{ _class_name: 'EulerAncestralDiscreteScheduler' }, 'euler-a'],
    [{ _class_name: 'DPMSolverMultistepScheduler' }, 'dpmpp-2m'],
    [{ _class_name: 'DPMSolverMultistepScheduler', use_karras_sigmas: true }, 'dpmpp-2m-karras'],
    [{ _class_name: 'LCMScheduler' }, 'lcm'],
    // Classes we do not implement fall back instead of failing the edit.
    [{ _class_name: 'UniPCMultistepScheduler' }, 'dpmpp-2m'],
    [{ _class_name: 'LMSDiscreteScheduler', timestep_spacing: 'trailing' }, 'euler-trailing'],
    [{}, 'dpmpp-2m'],
  ];
  it.each(cases)('%j -> %s', (cls, expected) => {
    const repo = { ...SD15, ...cls };
    if (!('_class_name' in cls)) delete (repo as Record<string, unknown>)._class_name;
    expect(defaultSchedulerName(repo)).toBe(expected);
    expect(createScheduler(undefined, repo).name).toBe(expected);
  });

  it('uses the SD 1.5 repo scheduler (PNDM, PLMS) by default', () => {
    const s = createScheduler(undefined, SD15);
    expect(s.name).toBe('pndm');
    expect(s.config).toMatchObject({ _class_name: 'PNDMScheduler', skip_prk_steps: true, steps_offset: 1 });
  });
});

describe('config resolution', () => {
  it('takes the training schedule from the repo config whatever its class', () => {
    const s = createScheduler('ddim', SD15);
    expect(s.config).toMatchObject({
      _class_name: 'DDIMScheduler',
      beta_schedule: 'scaled_linear',
      beta_start: 0.00085,
      beta_end: 0.012,
      steps_offset: 1,
      set_alpha_to_one: false,
      clip_sample: false,
      skip_prk_steps: true, // unknown to DDIM: carried, ignored (as diffusers)
    });
    expect(s.config._diffusers_version).toBeUndefined();
  });

  it('applies the name-implied overrides over the repo config', () => {
    const repo = { ...SD15, _class_name: 'DPMSolverMultistepScheduler', algorithm_type: 'sde-dpmsolver++', solver_order: 3, use_karras_sigmas: true };
    expect(createScheduler('dpmpp-2m', repo).config).toMatchObject({ algorithm_type: 'dpmsolver++', solver_order: 2, use_karras_sigmas: false });
    expect(createScheduler('dpmpp-2m-karras', SD15).config).toMatchObject({ use_karras_sigmas: true });
    expect(createScheduler('euler-trailing', SD15).config.timestep_spacing).toBe('trailing');
    expect(createScheduler('euler', SD15).config.timestep_spacing).toBe('leading');
  });

  it('applies user overrides last', () => {
    const s = createScheduler('euler', SD15, { overrides: { prediction_type: 'v_prediction', use_karras_sigmas: true } });
    expect(s.config).toMatchObject({ prediction_type: 'v_prediction', use_karras_sigmas: true });
    s.setTimesteps(4);
    // diffusers' Euler takes the Karras range from the interpolated leading schedule (t = 751 .. 1),
    // and maps the Karras sigmas back to fractional timesteps.
    expect(s.sigmas![0]).toBeCloseTo(4.1166978, 5);
    expect(s.sigmas![3]).toBeCloseTo(0.0413145, 6);
    expect(s.timesteps[0]).toBeCloseTo(751, 2);
    expect(Number.isInteger(s.timesteps[1])).toBe(false);
  });

  it('maps DPM-Solver aliases like diffusers (deis -> dpmsolver++, logrho -> midpoint)', () => {
    const s = createScheduler('dpmpp-2m', SD15, { overrides: { solver_type: 'logrho' } });
    expect(s.config.solver_type).toBe('midpoint');
  });

  it('returns a frozen config', () => {
    const s = createScheduler('ddim', SD15);
    expect(Object.isFrozen(s.config)).toBe(true);
  });
});

describe('SchedulerConfigError', () => {
  const rejected: [SchedulerName, Record<string, unknown>, string, string][] = [
    ['ddim', { thresholding: true }, 'thresholding', 'true'],
    ['ddpm', { thresholding: true }, 'thresholding', 'true'],
    ['lcm', { thresholding: true }, 'thresholding', 'true'],
    ['dpmpp-2m', { thresholding: true }, 'thresholding', 'true'],
    ['ddim', { beta_schedule: 'sigmoid' }, 'beta_schedule', '"sigmoid"'],
    ['euler', { beta_schedule: 'cosine' }, 'beta_schedule', '"cosine"'],
    ['ddim', { timestep_spacing: 'uniform' }, 'timestep_spacing', '"uniform"'],
    ['ddim', { prediction_type: 'x0' }, 'prediction_type', '"x0"'],
    ['pndm', { prediction_type: 'sample' }, 'prediction_type', '"sample"'],
    ['euler-a', { prediction_type: 'sample' }, 'prediction_type', '"sample"'],
    ['ddpm', { variance_type: 'learned_range' }, 'variance_type', '"learned_range"'],
    ['euler', { interpolation_type: 'log_linear' }, 'interpolation_type', '"log_linear"'],
    ['euler', { use_beta_sigmas: true }, 'use_beta_sigmas', 'true'],
    ['dpmpp-2m', { use_lu_lambdas: true }, 'use_lu_lambdas', 'true'],
    ['dpmpp-2m', { final_sigmas_type: 'last' }, 'final_sigmas_type', '"last"'],
    ['dpmpp-2m', { variance_type: 'learned' }, 'variance_type', '"learned"'],
    ['ddim', { num_train_timesteps: 999.5 }, 'num_train_timesteps', '999.5'],
    ['ddim', { steps_offset: -1 }, 'steps_offset', '-1'],
    ['ddim', { trained_betas: [0.1, 'x'] }, 'trained_betas', '[0.1,"x"]'],
    ['euler', { set_alpha_to_one: 3 }, 'set_alpha_to_one', '3'], // unknown to Euler: rejected as an override
  ];
  it.each(rejected)('%s with %j names %s = %s', (name, overrides, key, shown) => {
    const err = configError(() => createScheduler(name, SD15, { overrides }));
    expect(err.message).toContain(key);
    expect(err.message).toContain(shown);
  });

  it('rejects bad values in the repo config too', () => {
    const err = configError(() => createScheduler('ddim', { ...SD15, beta_schedule: 'exp' }));
    expect(err.message).toMatch(/DDIMScheduler: config beta_schedule = "exp"/);
  });

  it('rejects dpmsolver (noise prediction) with a final sigma of zero, like diffusers', () => {
    const err = configError(() => createScheduler('dpmpp-2m', SD15, { overrides: { algorithm_type: 'dpmsolver' } }));
    expect(err.message).toContain('final_sigmas_type');
    expect(() =>
      createScheduler('dpmpp-2m', SD15, { overrides: { algorithm_type: 'dpmsolver', final_sigmas_type: 'sigma_min' } }),
    ).not.toThrow();
  });

  it('rejects an unknown scheduler name and a negative eta', () => {
    expect(configError(() => createScheduler('heun' as SchedulerName, SD15)).message).toContain('heun');
    expect(configError(() => createScheduler('ddim', SD15, { eta: -1 })).message).toContain('eta');
  });

  it('rejects trained_betas of the wrong length', () => {
    const err = configError(() => createScheduler('ddim', SD15, { overrides: { trained_betas: [0.1, 0.2] } }));
    expect(err.message).toContain('trained_betas');
  });

  it('rejects more LCM steps than original_inference_steps', () => {
    const s = createScheduler('lcm', SD15);
    expect(configError(() => s.setTimesteps(51)).message).toContain('original_inference_steps');
    expect(() => s.setTimesteps(50)).not.toThrow();
  });

  it('rejects more steps than training timesteps', () => {
    expect(configError(() => createScheduler('ddim', SD15).setTimesteps(1001)).message).toContain('num_train_timesteps');
  });

  it('is a StippleError', () => {
    expect(configError(() => createScheduler('ddim', SD15, { overrides: { thresholding: true } }))).toBeInstanceOf(StippleError);
  });
});
