/**
 * Scheduler behaviour the golden file does not cover: NumPy rounding corner cases of the
 * timestep spacings, agreement of the epsilon / v_prediction / sample parameterisations, strength
 * and begin-index handling, noise labels, and misuse errors.
 */
import { describe, expect, it } from 'vitest';
import { StippleError } from '../../core/errors';
import { createScheduler } from '../../core/schedulers';
import type { Scheduler, SchedulerName } from '../../core/schedulers';
import type { NoiseSource } from '../../core/tensor/noise';
import { shapeSize } from '../../core/tensor/noise';
import { loadGolden } from './golden';

const SD15 = loadGolden().base_config;
const SHAPE = [1, 4, 2, 2] as const;

/** Deterministic standard normals (LCG + Box-Muller) that records the labels it was asked for. */
class SeededNoise implements NoiseSource {
  labels: string[] = [];
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  private uniform(): number {
    this.state = (Math.imul(this.state, 1664525) + 1013904223) >>> 0;
    return (this.state + 0.5) / 2 ** 32;
  }
  randn(shape: readonly number[], label: string): Float32Array {
    this.labels.push(label);
    const out = new Float32Array(shapeSize(shape));
    for (let i = 0; i < out.length; i++) {
      out[i] = Math.sqrt(-2 * Math.log(this.uniform())) * Math.cos(2 * Math.PI * this.uniform());
    }
    return out;
  }
}

function invalidInput(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(StippleError);
    expect((e as StippleError).code).toBe('INVALID_INPUT');
    return;
  }
  throw new Error('expected an INVALID_INPUT StippleError');
}

describe('timestep spacing matches NumPy exactly (values computed with numpy 2.x)', () => {
  it('trailing rounds half to even (16 steps: 812.5 -> 812)', () => {
    const s = createScheduler('euler-trailing', SD15);
    s.setTimesteps(16);
    expect([...s.timesteps]).toEqual([999, 937, 874, 811, 749, 687, 624, 561, 499, 437, 374, 311, 249, 187, 124, 61]);
  });

  it('linspace rounds half to even (7 steps: 832.5 -> 832, 166.5 -> 166)', () => {
    const ddim = createScheduler('ddim', SD15, { overrides: { timestep_spacing: 'linspace' } });
    ddim.setTimesteps(7);
    expect([...ddim.timesteps]).toEqual([999, 832, 666, 500, 333, 166, 0]);
    const pndm = createScheduler('pndm', SD15, { overrides: { timestep_spacing: 'linspace' } });
    pndm.setTimesteps(7);
    expect([...pndm.timesteps]).toEqual([999, 832, 832, 666, 500, 333, 166, 0]);
    const dpm = createScheduler('dpmpp-2m', SD15, { overrides: { timestep_spacing: 'linspace' } });
    dpm.setTimesteps(6);
    expect([...dpm.timesteps]).toEqual([999, 832, 666, 500, 333, 166]);
  });

  it('Euler linspace keeps fractional float32 timesteps', () => {
    const s = createScheduler('euler', SD15, { overrides: { timestep_spacing: 'linspace' } });
    s.setTimesteps(8);
    expect([...s.timesteps]).toEqual([
      999.0, 856.2857055664062, 713.5714111328125, 570.8571166992188, 428.1428527832031, 285.4285583496094,
      142.7142791748047, 0.0,
    ]);
    expect(s.initNoiseSigma).toBe(s.sigmas![0]); // linspace: the largest sigma itself
  });

  it('drops the stray -1 timestep NumPy produces for trailing spacing with 61 steps', () => {
    // np.round(np.arange(1000, 0, -1000/61)) - 1 has 62 entries ending [.., 32, 15, -1].
    const s = createScheduler('ddim', SD15, { overrides: { timestep_spacing: 'trailing' } });
    s.setTimesteps(61);
    expect(s.timesteps.length).toBe(61);
    expect(s.timesteps.slice(-2)).toEqual([32, 15]);
  });

  it('PNDM without skip_prk_steps runs the Runge-Kutta warm-up schedule', () => {
    const s = createScheduler('pndm', SD15, { overrides: { skip_prk_steps: false } });
    s.setTimesteps(10);
    expect([...s.timesteps]).toEqual([
      901, 851, 851, 801, 801, 751, 751, 701, 701, 651, 651, 601, 601, 501, 401, 301, 201, 101, 1,
    ]);
    let x: Float32Array = new SeededNoise(1).randn(SHAPE, 'initial_noise');
    for (const t of s.timesteps) x = s.step(Float32Array.from(x, (v) => 0.3 * v), t, x, SHAPE, new SeededNoise(2));
    expect(x.every(Number.isFinite)).toBe(true);
  });
});

/**
 * An oracle model for fixed clean latents x0: from the (VP-scaled) model input x_t it returns
 * what a perfect model would predict in each parameterisation, so every prediction_type must lead
 * to the same trajectory (this checks the v-prediction and sample conversions, which the golden
 * file does not exercise).
 */
function runWithOracle(name: SchedulerName, prediction: string, steps: number, maxSteps = Infinity): Float32Array {
  const s = createScheduler(name, SD15, { overrides: { prediction_type: prediction } });
  s.setTimesteps(steps);
  const x0 = Float32Array.from([0.5, -1, 0.25, 2, -0.75, 1.5, 0, -2, 1, -0.5, 0.125, -1.25, 0.8, -0.3, 1.7, -1.1]);
  const ve = name.startsWith('euler');
  let latents: Float32Array = new SeededNoise(7).randn(SHAPE, 'initial_noise').map((v) => v * s.initNoiseSigma);
  const noise = new SeededNoise(11);
  const timesteps = s.timesteps.slice(0, maxSteps);
  for (const t of timesteps) {
    const xIn = s.scaleModelInput(latents, t);
    // sqrt(ᾱ_t) of the scheduler at t, read back through addNoise.
    const sigmaOrAlpha = s.addNoise(Float32Array.of(ve ? 0 : 1), Float32Array.of(ve ? 1 : 0), t)[0]!;
    const sqrtA = ve ? 1 / Math.sqrt(sigmaOrAlpha ** 2 + 1) : sigmaOrAlpha;
    const sqrtB = Math.sqrt(1 - sqrtA * sqrtA);
    const out = new Float32Array(xIn.length);
    for (let i = 0; i < out.length; i++) {
      const eps = (xIn[i]! - sqrtA * x0[i]!) / sqrtB;
      out[i] = prediction === 'epsilon' ? eps : prediction === 'sample' ? x0[i]! : sqrtA * eps - sqrtB * x0[i]!;
    }
    latents = s.step(out, t, latents, SHAPE, noise);
  }
  return latents;
}

describe('prediction types agree given a perfect model', () => {
  const cases: [SchedulerName, string[], number][] = [
    ['ddim', ['v_prediction', 'sample'], Infinity],
    ['ddpm', ['v_prediction', 'sample'], Infinity],
    // PLMS combines raw model outputs before converting them, so only its first step is comparable.
    ['pndm', ['v_prediction'], 1],
    ['euler', ['v_prediction', 'sample'], Infinity],
    ['euler-trailing', ['v_prediction', 'sample'], Infinity],
    ['euler-a', ['v_prediction'], Infinity],
    ['dpmpp-2m', ['v_prediction', 'sample'], Infinity],
    ['dpmpp-2m-karras', ['v_prediction', 'sample'], Infinity],
    ['lcm', ['v_prediction', 'sample'], Infinity],
  ];
  it.each(cases)('%s: %j match epsilon', (name, predictions, maxSteps) => {
    const reference = runWithOracle(name, 'epsilon', 5, maxSteps);
    expect(reference.every(Number.isFinite)).toBe(true);
    for (const p of predictions) {
      const got = runWithOracle(name, p, 5, maxSteps);
      for (let i = 0; i < got.length; i++) {
        expect(Math.abs(got[i]! - reference[i]!), `${p} [${i}]`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(reference[i]!)));
      }
    }
  });
});

describe('strength and begin index', () => {
  it('slices by strength like the diffusers img2img pipelines', () => {
    const s = createScheduler('ddim', SD15);
    s.setTimesteps(10);
    expect(s.timestepsForStrength(1)).toEqual(s.timesteps);
    expect(s.timestepsForStrength(0.75)).toEqual(s.timesteps.slice(3)); // floor(7.5) = 7 steps run
    expect(s.timestepsForStrength(0)).toEqual([]);
    invalidInput(() => s.timestepsForStrength(1.5));
    invalidInput(() => createScheduler('ddim', SD15).timestepsForStrength(0.5));
  });

  it('sigma schedulers start at the begin index (img2img)', () => {
    const s = createScheduler('euler', SD15);
    s.setTimesteps(20);
    const ts = s.timestepsForStrength(0.6);
    const scaled = s.scaleModelInput(Float32Array.of(1), ts[0]!);
    const sigma = s.sigmas![8]!;
    expect(scaled[0]).toBeCloseTo(1 / Math.sqrt(sigma * sigma + 1), 6);
  });

  it('a repeated timestep resolves to its second position unless a begin index is set', () => {
    // Karras DPM++ at 50 steps ends [.., 2, 1, 1, 0]: timestep 1 sits at positions 47 and 48.
    const vpSigma = (sigma: number): number => sigma / Math.sqrt(sigma * sigma + 1);
    const s = createScheduler('dpmpp-2m-karras', SD15);
    s.setTimesteps(50);
    expect(s.timesteps.slice(46)).toEqual([2, 1, 1, 0]);
    expect(s.addNoise(Float32Array.of(0), Float32Array.of(1), 1)[0]).toBeCloseTo(vpSigma(s.sigmas![48]!), 6);
    s.setBeginIndex(47);
    expect(s.addNoise(Float32Array.of(0), Float32Array.of(1), 1)[0]).toBeCloseTo(vpSigma(s.sigmas![47]!), 6);
    expect(s.sigmas![47]).not.toBeCloseTo(s.sigmas![48]!, 3);
  });

  it('add_noise after the first step uses the current step index (inpainting re-noise)', () => {
    const s = createScheduler('euler', SD15);
    s.setTimesteps(20);
    const ts = s.timestepsForStrength(0.5);
    const x = Float32Array.of(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6);
    s.step(s.scaleModelInput(x, ts[0]!), ts[0]!, x, SHAPE, new SeededNoise(3));
    const noisy = s.addNoise(Float32Array.of(0), Float32Array.of(1), ts[1]!);
    expect(noisy[0]).toBeCloseTo(s.sigmas![11]!, 5);
  });
});

describe('noise draws', () => {
  it('label draws by step count since setTimesteps, restarting at 0', () => {
    const s = createScheduler('euler-a', SD15);
    const noise = new SeededNoise(5);
    for (let run = 0; run < 2; run++) {
      s.setTimesteps(3);
      let x: Float32Array = noise.randn(SHAPE, 'initial_noise');
      for (const t of s.timesteps) x = s.step(s.scaleModelInput(x, t), t, x, SHAPE, noise);
    }
    expect(noise.labels).toEqual([
      'initial_noise',
      'scheduler_step_noise[step=0]',
      'scheduler_step_noise[step=1]',
      'scheduler_step_noise[step=2]',
      'initial_noise',
      'scheduler_step_noise[step=0]',
      'scheduler_step_noise[step=1]',
      'scheduler_step_noise[step=2]',
    ]);
  });

  it('SDE DPM-Solver++ draws every step; deterministic schedulers never', () => {
    const count = (s: Scheduler): number => {
      const noise = new SeededNoise(9);
      s.setTimesteps(4);
      let x: Float32Array = new SeededNoise(1).randn(SHAPE, 'initial_noise');
      for (const t of s.timesteps) x = s.step(s.scaleModelInput(x, t), t, x, SHAPE, noise);
      expect(x.every(Number.isFinite)).toBe(true);
      return noise.labels.length;
    };
    expect(count(createScheduler('dpmpp-2m', SD15, { overrides: { algorithm_type: 'sde-dpmsolver++' } }))).toBe(4);
    for (const name of ['ddim', 'pndm', 'euler', 'euler-trailing', 'dpmpp-2m', 'dpmpp-2m-karras'] as const) {
      expect(count(createScheduler(name, SD15)), name).toBe(0);
    }
    expect(count(createScheduler('ddim', SD15, { eta: 0.5 }))).toBe(4);
    expect(count(createScheduler('lcm', SD15))).toBe(3);
  });
});

describe('misuse', () => {
  it('requires setTimesteps before stepping', () => {
    const s = createScheduler('euler', SD15);
    expect(s.timesteps).toEqual([]);
    expect(s.sigmas).toBeUndefined();
    invalidInput(() => s.step(new Float32Array(16), 999, new Float32Array(16), SHAPE, new SeededNoise(1)));
    invalidInput(() => s.setTimesteps(0));
    invalidInput(() => s.setTimesteps(2.5));
  });

  it('checks tensor sizes and timesteps', () => {
    const s = createScheduler('euler', SD15);
    s.setTimesteps(4);
    invalidInput(() => s.step(new Float32Array(8), 751, new Float32Array(16), SHAPE, new SeededNoise(1)));
    invalidInput(() => s.scaleModelInput(new Float32Array(16), 750)); // not in the schedule
    const d = createScheduler('ddim', SD15);
    d.setTimesteps(4);
    invalidInput(() => d.step(new Float32Array(16), 750.5, new Float32Array(16), SHAPE, new SeededNoise(1)));
    invalidInput(() => d.addNoise(new Float32Array(4), new Float32Array(5), 751));
  });
});
