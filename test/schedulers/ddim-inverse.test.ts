/**
 * DDIMInverseScheduler against diffusers 0.31: timesteps, and every inversion
 * step of the DiffEdit cases replayed from their UNet traces (no model run).
 */
import { describe, expect, it } from 'vitest';
import { createInverseScheduler, createScheduler } from '../../core/schedulers';
import { DIFFEDIT_CASES, diffEditFile, loadDiffEditCase } from '../pipelines/diffedit-golden';
import { maxAbsDiff } from '../pipelines/golden';

const SD15 = {
  _class_name: 'PNDMScheduler',
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  num_train_timesteps: 1000,
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
  clip_sample: false,
  timestep_spacing: 'leading',
};

describe('DDIMInverseScheduler', () => {
  it('builds from the repo config with diffusers class defaults and ascending leading timesteps', () => {
    const inv = createInverseScheduler(SD15);
    expect(inv.config._class_name).toBe('DDIMInverseScheduler');
    expect(inv.config.set_alpha_to_one).toBe(false);
    inv.setTimesteps(10);
    expect(inv.timesteps).toEqual([1, 101, 201, 301, 401, 501, 601, 701, 801, 901]);
    expect(inv.timestepsForStrength(0.8)).toEqual([1, 101, 201, 301, 401, 501, 601, 701]);
    expect(inv.timestepsForStrength(1)).toHaveLength(10);
    expect(inv.timestepsForStrength(0.05)).toEqual([]);
  });

  it('trailing spacing is the DDIM schedule reversed; linspace is refused as in diffusers', () => {
    const inv = createInverseScheduler({ ...SD15, timestep_spacing: 'trailing' });
    inv.setTimesteps(4);
    const ddim = createScheduler('ddim', { ...SD15, timestep_spacing: 'trailing' });
    ddim.setTimesteps(4);
    expect(inv.timesteps).toEqual([...ddim.timesteps].reverse());
    expect(() => createInverseScheduler({ ...SD15, timestep_spacing: 'linspace' })).toThrow(/timestep_spacing/);
  });

  it('refuses a step before setTimesteps and mismatched sizes with a clear error', () => {
    const inv = createInverseScheduler(SD15);
    expect(() => inv.step(new Float32Array(4), 1, new Float32Array(4))).toThrow(/setTimesteps/);
    inv.setTimesteps(10);
    expect(() => inv.step(new Float32Array(4), 1, new Float32Array(3))).toThrow(/differ in size/);
  });

  describe.each(DIFFEDIT_CASES)('%s inversion trace', (name) => {
    it('each step maps the traced UNet input and output to the next input (1e-5), the last to inverted[:, 0]', () => {
      const c = loadDiffEditCase(name);
      const inv = createInverseScheduler(c.json.schedulers.inverse_scheduler.config);
      inv.setTimesteps(c.json.invert.params.num_inference_steps);
      const timesteps = inv.timestepsForStrength(c.json.invert.params.inpaint_strength);
      expect(timesteps).toEqual(c.json.invert.timesteps_used);
      const ins = diffEditFile(c, 'trace_invert_unet_in.bin');
      const outs = diffEditFile(c, 'trace_invert_unet_out.bin');
      const inverted = diffEditFile(c, 'inverted.bin');
      const g = c.json.invert.params.guidance_scale;
      const rows = g > 1 ? 2 : 1;
      const per = 4 * 8 * 8;
      let worst = 0;
      for (let i = 0; i < timesteps.length; i++) {
        const at = (a: Float32Array, row: number) => a.subarray((i * rows + row) * per, (i * rows + row + 1) * per);
        const eps = rows === 2 ? at(outs, 0).map((u, k) => u + g * (at(outs, 1)[k]! - u)) : at(outs, 0);
        const next = inv.step(eps, timesteps[i]!, at(ins, 0));
        const expected = i + 1 < timesteps.length ? ins.subarray((i + 1) * rows * per, ((i + 1) * rows + 1) * per) : inverted.subarray(0, per);
        worst = Math.max(worst, maxAbsDiff(next, expected));
      }
      expect(worst).toBeLessThan(1e-5);
    });
  });
});
