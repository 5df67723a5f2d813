/** Reading the diffusers DiffEdit cases of test/fixtures/tiny-sd/golden-diffedit. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RgbaImage } from '../../core/image';
import { decodePng } from '../../core/image/png-node';
import type { EditRequest } from '../../core/pipelines/request';
import { loadFixtureNoise, type ReplayNoise } from '../../core/tensor';
import { FIXTURES, readFloats } from './golden';

export const DIFFEDIT = join(FIXTURES, 'golden-diffedit');
export const DIFFEDIT_CASES = ['diffedit_basic_ratio2', 'diffedit_full_strength_maps4', 'diffedit_negatives_invert_g1'];

interface Prompt {
  text: string;
}
export interface DiffEditCase {
  name: string;
  dir: string;
  modelDir: string;
  json: {
    width: number;
    height: number;
    prompts: Record<
      | 'mask_source_prompt'
      | 'mask_source_negative_prompt'
      | 'mask_target_prompt'
      | 'mask_target_negative_prompt'
      | 'invert_negative_prompt'
      | 'call_prompt'
      | 'call_negative_prompt',
      Prompt
    >;
    generate_mask: {
      params: { num_maps_per_mask: number; mask_encode_strength: number; mask_thresholding_ratio: number; num_inference_steps: number; guidance_scale: number };
      encode_timestep: number;
    };
    invert: { params: { num_inference_steps: number; inpaint_strength: number; guidance_scale: number }; timesteps_used: number[] };
    call: { params: { num_inference_steps: number; inpaint_strength: number; guidance_scale: number; eta: number }; timesteps_used: number[] };
    inverted: { shape: number[] };
    schedulers: Record<'scheduler' | 'inverse_scheduler', { class: string; config: Record<string, unknown> }>;
  };
}

export function loadDiffEditCase(name: string): DiffEditCase {
  const dir = join(DIFFEDIT, name);
  const json = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8'));
  return { name, dir, modelDir: join(FIXTURES, json.model_dir), json };
}

export function diffEditImage(c: DiffEditCase): RgbaImage {
  return decodePng(readFileSync(join(c.dir, 'input.png')));
}

export function diffEditNoise(c: DiffEditCase): Promise<ReplayNoise> {
  return loadFixtureNoise(JSON.parse(readFileSync(join(c.dir, 'case.json'), 'utf8')), async (f) => new Uint8Array(readFileSync(join(c.dir, f))));
}

export function diffEditFile(c: DiffEditCase, file: string): Float32Array {
  return readFloats(join(c.dir, file));
}

/** The case's three calls as one core request (without image and noise). */
export function diffEditRequest(c: DiffEditCase): Omit<EditRequest, 'image'> {
  const { prompts: p, generate_mask: g, invert: inv, call } = c.json;
  return {
    prompt: p.call_prompt.text,
    negativePrompt: p.call_negative_prompt.text,
    steps: call.params.num_inference_steps,
    strength: call.params.inpaint_strength,
    guidance: call.params.guidance_scale,
    eta: call.params.eta,
    diffedit: {
      sourcePrompt: p.mask_source_prompt.text,
      sourceNegativePrompt: p.mask_source_negative_prompt.text,
      targetNegativePrompt: p.mask_target_negative_prompt.text,
      invertNegativePrompt: p.invert_negative_prompt.text,
      invertGuidance: inv.params.guidance_scale,
      maskSteps: g.params.num_inference_steps,
      maskStrength: g.params.mask_encode_strength,
      maskGuidance: g.params.guidance_scale,
      maskMaps: g.params.num_maps_per_mask,
      maskThreshold: g.params.mask_thresholding_ratio,
    },
  };
}
