/** Reading the diffusers golden cases of test/fixtures/tiny-sd/golden. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { maskFromImage, type Mask, type RgbaImage } from '../../core/image';
import { decodePng } from '../../core/image/png-node';
import type { Operation } from '../../core/pipelines/request';
import { loadFixtureNoise, type ReplayNoise } from '../../core/tensor';

export const FIXTURES = resolve(__dirname, '../fixtures/tiny-sd');
export const GOLDEN = join(FIXTURES, 'golden');

export interface GoldenCase {
  name: string;
  operation: Operation;
  modelDir: string;
  json: {
    model_dir: string;
    prompt: string;
    negative_prompt: string;
    params: {
      num_inference_steps: number;
      guidance_scale: number;
      strength?: number;
      image_guidance_scale?: number;
      eta: number;
      num_images_per_prompt: number;
      width: number;
      height: number;
    };
    timesteps_used: number[];
    output: { file: string; shape: number[] };
    files: { input_image: string; mask_image?: string };
  };
}

/** Which of our edits each diffusers pipeline case exercises. */
export const CASES: { name: string; operation: Operation }[] = [
  { name: 'sdedit_img2img', operation: 'sdedit' },
  { name: 'inpaint_9ch', operation: 'inpaint' },
  { name: 'inpaint_4ch_legacy', operation: 'mask-edit' },
  { name: 'ip2p', operation: 'pix2pix' },
];

export function loadCase(name: string, operation: Operation): GoldenCase {
  const json = JSON.parse(readFileSync(join(GOLDEN, name, 'case.json'), 'utf8'));
  return { name, operation, modelDir: join(FIXTURES, json.model_dir), json };
}

export function caseImage(c: GoldenCase): RgbaImage {
  return decodePng(readFileSync(join(GOLDEN, c.name, c.json.files.input_image)));
}

export function caseMask(c: GoldenCase): Mask | undefined {
  const file = c.json.files.mask_image;
  return file ? maskFromImage(decodePng(readFileSync(join(GOLDEN, c.name, file)))) : undefined;
}

export function caseNoise(c: GoldenCase): Promise<ReplayNoise> {
  const caseJson = JSON.parse(readFileSync(join(GOLDEN, c.name, 'case.json'), 'utf8'));
  return loadFixtureNoise(caseJson, async (file) => new Uint8Array(readFileSync(join(GOLDEN, c.name, file))));
}

export function readFloats(path: string): Float32Array {
  const b = readFileSync(path);
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Float32Array(copy.buffer);
}

export function caseOutput(c: GoldenCase): Float32Array {
  return readFloats(join(GOLDEN, c.name, c.json.output.file));
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
