/** Fixture access shared by the models/runtime tests (not a test file itself). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { createRuntime, type ModelSession, type StippleRuntime } from '../../core/runtime';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const TINY = `${FIXTURES}tiny-sd/`;
export const GOLDEN = `${TINY}golden/`;

/** The three export families of the same tiny SD 1.x model. */
export const FAMILIES = {
  'tiny-sd/sd': `${TINY}sd`,
  'optimum-1.22/sd': `${FIXTURES}variants/optimum-1.22/sd`,
  'external-data/sd': `${FIXTURES}variants/external-data/sd`,
} as const;

/** Raw little-endian float32 file. */
export function readF32(path: string): Float32Array {
  const buf = readFileSync(path);
  const out = new Float32Array(buf.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = buf.readFloatLE(i * 4);
  return out;
}

export interface GoldenCase {
  prompt_input_ids: number[];
  negative_prompt_input_ids: number[];
  timesteps_used: number[];
  trace: Record<'unet_in' | 'unet_out' | 'latents', { file: string; shape: number[] }>;
  [key: string]: unknown;
}

export function readCase(name: string): GoldenCase {
  return JSON.parse(readFileSync(`${GOLDEN}${name}/case.json`, 'utf8')) as GoldenCase;
}

/** An RGB PNG as NCHW float32 in [-1, 1], like diffusers' preprocessing. */
export function readPixels(path: string): { data: Float32Array; dims: number[] } {
  const png = PNG.sync.read(readFileSync(path));
  const { width: w, height: h } = png;
  const data = new Float32Array(3 * h * w);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < h * w; i++) data[c * h * w + i] = (png.data[i * 4 + c]! / 255) * 2 - 1;
  }
  return { data, dims: [1, 3, h, w] };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Deterministic pseudo-random floats in [-1, 1) (mulberry32). */
export function pseudoRandom(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** A runtime that records every session it creates. */
export function countingRuntime(made: { name: string; session: ModelSession }[]): StippleRuntime {
  const runtime = createRuntime();
  const wrap =
    <T extends { session: ModelSession }>(name: string, create: (...a: never[]) => Promise<T>) =>
    async (...a: never[]): Promise<T> => {
      const s = await create(...a);
      made.push({ name, session: s.session });
      return s;
    };
  return {
    ...runtime,
    createTextEncoder: wrap('text_encoder', runtime.createTextEncoder),
    createUnet: wrap('unet', runtime.createUnet),
    createVaeEncoder: wrap('vae_encoder', runtime.createVaeEncoder),
    createVaeDecoder: wrap('vae_decoder', runtime.createVaeDecoder),
  } as StippleRuntime;
}
