/**
 * The GPU loop's scheduler math: every scheduler traced as linear
 * combinations must reproduce its own CPU steps (same noise, same order).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createScheduler, SCHEDULER_NAMES, type SchedulerName } from '../../core/schedulers';
import { LinearStepTracer, linearStepSupport } from '../../core/schedulers/linear';
import { SeededNoise } from '../../core/tensor';

const config = JSON.parse(readFileSync(`${__dirname}/../fixtures/tiny-sd/sd/scheduler/scheduler_config.json`, 'utf8'));
const SHAPE = [1, 4, 4, 4] as const;
const N = 64;

/** A deterministic stand-in for the UNet: some function of the sample and timestep. */
function fakeModel(sample: Float32Array, t: number, step: number): Float32Array {
  return sample.map((x, i) => Math.sin(x * 1.3 + i * 0.7 + t * 0.01 + step));
}

describe.each(SCHEDULER_NAMES.map((name) => ({ name })))('$name traced linearly', ({ name }) => {
  for (const strength of [1, 0.6]) {
    it(`matches the CPU steps (strength ${strength}, with a mask-edit style blend)`, () => {
      const cpu = createScheduler(name as SchedulerName, config, { eta: name === 'ddim' ? 0.5 : 0 });
      const traced = createScheduler(name as SchedulerName, config, { eta: name === 'ddim' ? 0.5 : 0 });
      expect(linearStepSupport(traced).ok).toBe(true);
      cpu.setTimesteps(6);
      traced.setTimesteps(6);
      const timesteps = strength < 1 ? cpu.timestepsForStrength(strength) : cpu.timesteps;
      if (strength < 1) traced.timestepsForStrength(strength);
      const init = new SeededNoise(1).randn(SHAPE, 'x');
      const image = new SeededNoise(2).randn(SHAPE, 'img');
      const mask = Float32Array.from({ length: 16 }, (_, i) => (i % 3 === 0 ? 1 : 0));
      const noiseA = new SeededNoise(5);
      const noiseB = new SeededNoise(5);

      // CPU reference.
      let x: Float32Array = init.slice();
      const cpuOut: Float32Array[] = [];
      timesteps.forEach((t, i) => {
        const m = fakeModel(cpu.scaleModelInput(x, t), t, i);
        x = cpu.step(m, t, x, SHAPE, noiseA);
        if (i < timesteps.length - 1) {
          const known = cpu.addNoise(image, init, timesteps[i + 1]!);
          x = x.map((v, j) => (1 - mask[j % 16]!) * known[j]! + mask[j % 16]! * v);
        }
        cpuOut.push(x);
      });

      // Traced: tensors live in a table, combined with the traced coefficients.
      const tracer = new LinearStepTracer(traced, 4 * timesteps.length + 8);
      const table = new Map<number, Float32Array>();
      let s = tracer.newTensor();
      table.set(s, init.slice());
      timesteps.forEach((t, i) => {
        const f = tracer.scaleFactor(t);
        const m = fakeModel(table.get(s)!.map((v) => v * f), t, i);
        const mi = tracer.newTensor();
        table.set(mi, m);
        const terms = tracer.step(mi, t, s, SHAPE, noiseB, (k, values) => table.set(k, values));
        let next: Float32Array = new Float32Array(N);
        for (const { index, coeff } of terms) next = next.map((v, j) => v + coeff * table.get(index)![j]!);
        if (i < timesteps.length - 1) {
          const [a, b] = tracer.addNoiseCoefficients(timesteps[i + 1]!);
          next = next.map((v, j) => (1 - mask[j % 16]!) * (a * image[j]! + b * init[j]!) + mask[j % 16]! * v);
        }
        s = tracer.newTensor();
        table.set(s, next);
        // float32 rounding, relative to the latents' size (sigma schedulers start near 15).
        let diff = 0;
        let scale = 1;
        for (let j = 0; j < N; j++) {
          diff = Math.max(diff, Math.abs(next[j]! - cpuOut[i]![j]!));
          scale = Math.max(scale, Math.abs(cpuOut[i]![j]!));
        }
        expect(diff / scale, `step ${i}`).toBeLessThan(2e-6);
      });
    });
  }
});

describe('linearStepSupport', () => {
  it('refuses clip_sample', () => {
    const s = createScheduler('ddim', { ...config, clip_sample: true });
    expect(linearStepSupport(s)).toMatchObject({ ok: false });
  });
});
