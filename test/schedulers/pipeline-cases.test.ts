/**
 * DDIM on real data: the recorded UNet outputs of the diffusers pipeline cases
 * (test/fixtures/tiny-sd/golden/<case>/), guided as the pipeline does, must step the recorded
 * latents to the next recorded latents. Each step starts from diffusers' own latents, so errors
 * do not accumulate. (inpaint_4ch_legacy is left out: its recorded latents are after the mask blend.)
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createScheduler } from '../../core/schedulers';
import type { NoiseSource } from '../../core/tensor/noise';

const ROOT = new URL('../fixtures/tiny-sd/', import.meta.url);

interface CaseJson {
  model_dir: string;
  scheduler: { class: string; config: Record<string, unknown> };
  timesteps_used: number[];
  params: { num_inference_steps: number; strength?: number; guidance_scale: number; image_guidance_scale?: number; eta: number };
  trace: Record<'unet_in' | 'unet_out' | 'latents', { file: string; shape: number[] }>;
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(new URL(path, ROOT), 'utf8')) as T;
}

function readF32(path: string): Float32Array {
  const buf = readFileSync(new URL(path, ROOT));
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

const NO_NOISE: NoiseSource = {
  randn: () => {
    throw new Error('DDIM with eta 0 must not draw noise');
  },
};

/** Per-element tolerance: float32 UNet outputs through float32 diffusers math vs our float64 math. */
const ABS = 2e-6;
const REL = 1e-5;

describe.each(['sdedit_img2img', 'inpaint_9ch', 'ip2p'])('DDIM steps of %s', (name) => {
  const c = readJson<CaseJson>(`golden/${name}/case.json`);
  const repo = readJson<Record<string, unknown>>(`${c.model_dir}/scheduler/scheduler_config.json`);

  it('builds the same scheduler and timesteps', () => {
    const s = createScheduler('ddim', repo, { eta: c.params.eta });
    const { _use_default_values: _ignored, ...expected } = c.scheduler.config;
    expect({ ...s.config }).toEqual(expected);
    s.setTimesteps(c.params.num_inference_steps);
    const ts = c.params.strength === undefined ? s.timesteps : s.timestepsForStrength(c.params.strength);
    expect([...ts]).toEqual(c.timesteps_used);
  });

  it('steps the recorded latents with the recorded, guided UNet outputs', () => {
    const s = createScheduler('ddim', repo, { eta: c.params.eta });
    s.setTimesteps(c.params.num_inference_steps);
    const unetIn = readF32(`golden/${name}/${c.trace.unet_in.file}`);
    const unetOut = readF32(`golden/${name}/${c.trace.unet_out.file}`);
    const latents = readF32(`golden/${name}/${c.trace.latents.file}`);
    const [steps, chunks, inChannels, h, w] = c.trace.unet_in.shape as [number, number, number, number, number];
    const plane = h * w;
    const size = 4 * plane;
    const shape = [1, 4, h, w];
    const g = c.params.guidance_scale;
    const ig = c.params.image_guidance_scale ?? 1;
    for (let i = 0; i < steps; i++) {
      const t = c.timesteps_used[i]!;
      // Latents entering step i: the 4 latent channels of the first UNet batch entry (DDIM does
      // not scale the model input).
      const base = i * chunks * inChannels * plane;
      const x = unetIn.slice(base, base + size);
      if (i > 0) expect([...x]).toEqual([...latents.subarray((i - 1) * size, i * size)]);
      const out = (k: number): Float32Array => unetOut.subarray((i * chunks + k) * size, (i * chunks + k + 1) * size);
      const eps = new Float32Array(size);
      for (let j = 0; j < size; j++) {
        eps[j] =
          chunks === 2
            ? out(0)[j]! + g * (out(1)[j]! - out(0)[j]!) // [negative, prompt]
            : out(2)[j]! + g * (out(0)[j]! - out(1)[j]!) + ig * (out(1)[j]! - out(2)[j]!); // (text, image, uncond)
      }
      const next = s.step(eps, t, x, shape, NO_NOISE);
      const want = latents.subarray(i * size, (i + 1) * size);
      for (let j = 0; j < size; j++) {
        const tol = ABS + REL * Math.abs(want[j]!);
        if (!(Math.abs(next[j]! - want[j]!) <= tol)) {
          expect.fail(`step ${i} (t=${t}) [${j}]: ${next[j]} vs ${want[j]}`);
        }
      }
    }
  });
});
