/**
 * Parity with diffusers 0.31.0 (test/fixtures/tiny-sd/golden/schedulers.json): timesteps,
 * sigmas, init noise sigma, img2img strength slicing, add_noise and a full 6-step denoising trace
 * for each of the 10 recorded scheduler variants. Tolerance: see REL / FLOOR in ./golden.ts.
 */
import { assert, describe, expect, it } from 'vitest';
import { createScheduler } from '../../core/schedulers';
import type { Scheduler } from '../../core/schedulers';
import type { NoiseSource } from '../../core/tensor/noise';
import { VARIANTS, firstMismatch, loadGolden, scalar } from './golden';
import type { GoldenVariant } from './golden';

const golden = loadGolden();
const SHAPE = [1, 4, 2, 2] as const;

function build(key: string): Scheduler {
  const v = VARIANTS[key]!;
  return createScheduler(v.name, golden.base_config, v.options);
}

function expectClose(actual: ArrayLike<number>, expected: readonly number[], what: string): void {
  const mismatch = firstMismatch(actual, expected);
  assert(mismatch === undefined, `${what}: ${mismatch}`);
}

/**
 * Serves the recorded scheduler draws in order, checks each label and shape, and remembers
 * which draws each step used.
 */
class ReplayNoise implements NoiseSource {
  private next = 0;
  drawn: number[] = [];
  expectedStep = 0;
  constructor(private readonly tensors: readonly number[][]) {}

  randn(shape: readonly number[], label: string): Float32Array {
    expect(label).toBe(`scheduler_step_noise[step=${this.expectedStep}]`);
    expect([...shape]).toEqual([...SHAPE]);
    const t = this.tensors[this.next];
    expect(t, `draw #${this.next} exists`).toBeDefined();
    this.drawn.push(this.next);
    this.next += 1;
    return Float32Array.from(t!);
  }

  get remaining(): number {
    return this.tensors.length - this.next;
  }
}

describe('golden/schedulers.json is what this test expects', () => {
  it('has the 10 variants, built from the SD 1.5 config', () => {
    expect(Object.keys(golden.schedulers).sort()).toEqual(Object.keys(VARIANTS).sort());
    expect(golden.base_config._class_name).toBe('PNDMScheduler');
    expect(golden.trace_steps).toBe(6);
  });
});

describe.each(Object.keys(VARIANTS))('%s matches diffusers 0.31.0', (key) => {
  const g: GoldenVariant = golden.schedulers[key]!;

  it('resolves the same config and order', () => {
    const s = build(key);
    const { _use_default_values: _ignored, ...expected } = g.config;
    expect({ ...s.config }).toEqual(expected);
    expect(s.config._class_name).toBe(g.class);
    expect(s.order).toBe(g.order);
  });

  it.each(['1', '4', '20', '50'])('set_timesteps(%s)', (n) => {
    const s = build(key);
    const want = g.set_timesteps[n]!;
    s.setTimesteps(Number(n));
    expect([...s.timesteps]).toEqual(want.timesteps);
    if (want.sigmas) {
      expect(s.sigmas).toBeDefined();
      expectClose(s.sigmas!, want.sigmas, 'sigmas');
    } else {
      expect(s.sigmas).toBeUndefined();
    }
    expectClose([s.initNoiseSigma], [scalar(want.init_noise_sigma)], 'init_noise_sigma');
  });

  it('img2img timesteps at strength 0.6, 20 steps', () => {
    const s = build(key);
    s.setTimesteps(20);
    const want = g['img2img_strength_0.6_N20'];
    expect([...s.timestepsForStrength(0.6)]).toEqual(want.timesteps);
  });

  it('add_noise at the first img2img timestep', () => {
    const s = build(key);
    s.setTimesteps(20);
    const ex = g.add_noise_example;
    expect(s.timestepsForStrength(0.6)[0]).toBe(ex.timestep);
    const noisy = s.addNoise(Float32Array.from(ex.original), Float32Array.from(ex.noise), ex.timestep);
    expectClose(noisy, ex.noisy, 'noisy');
  });

  it('reproduces the 6-step denoising trace', () => {
    const s = build(key);
    const tr = g.trace;
    s.setTimesteps(golden.trace_steps);
    expect([...s.timesteps]).toEqual(tr.steps.map((st) => st.t));
    expectClose([s.initNoiseSigma], [scalar(tr.init_noise_sigma)], 'init_noise_sigma');
    let latents: Float32Array = Float32Array.from(tr.initial_noise, (x) => x * s.initNoiseSigma);
    expectClose(latents, tr.initial_latents, 'initial_latents');

    const noise = new ReplayNoise(tr.noise);
    for (const st of tr.steps) {
      const t = s.timesteps[st.i]!;
      const x = s.scaleModelInput(latents, t);
      expectClose(x, st.scale_model_input, `step ${st.i} scale_model_input`);
      // The stand-in model of the golden file.
      const eps = Float32Array.from(x, (v) => 0.3 * v + 0.01 * st.i);
      expectClose(eps, st.model_output, `step ${st.i} model_output`);
      noise.expectedStep = st.i;
      noise.drawn = [];
      latents = s.step(eps, t, latents, SHAPE, noise);
      expect(noise.drawn, `step ${st.i} noise draws`).toEqual(st.noise_draws);
      expectClose(latents, st.prev_sample, `step ${st.i} prev_sample`);
    }
    expect(noise.remaining).toBe(0);
  });
});
