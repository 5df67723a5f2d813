/**
 * DiffEdit's mask (Couairon et al. 2022, §3.1), as diffusers 0.31's
 * `StableDiffusionDiffEditPipeline.generate_mask`: noise the image to a middle
 * level several times, ask the UNet for its noise under the source prompt (what
 * the image shows) and the target prompt (what it should show), and mark where
 * the two predictions differ most.
 */
import { EDIT_LIMITS } from './limits';
import { throwIfCancelled } from '../errors';
import { InvalidInputError } from '../image';
import { yieldToEventLoop } from '../jobs/yield';
import type { Scheduler } from '../schedulers';
import type { ProgressCallback } from '../jobs/progress';
import type { UnetSession } from '../runtime';
import type { NoiseSource } from '../tensor/noise';
import { repeatBatch } from '../tensor';
import { setSteps } from './strength';

/** What {@link generateMask} needs beside the image latents' posterior. */
export interface MaskGeneration {
  unet: UnetSession;
  /** A DDIM scheduler: its timesteps pick the encode level and its `addNoise` noises the latents. */
  scheduler: Scheduler;
  noise: NoiseSource;
  /** Draws the `maps` posterior samples of the image, `[maps, 4, h, w]`, already scaled by the VAE factor. */
  sampleLatents: (maps: number) => Float32Array;
  /** Latent size `[4, h, w]` of one image. */
  latentShape: readonly [number, number, number];
  /** Text embeddings `[1, 77, D]` of the four prompts. */
  source: Float32Array;
  sourceNegative: Float32Array;
  target: Float32Array;
  targetNegative: Float32Array;
  embeddingDims: readonly number[];
  steps: number;
  /** How far the image is noised, in (0, 1] (diffusers' `mask_encode_strength`). */
  strength: number;
  guidance: number;
  /** Noised copies of the image averaged into the map (`num_maps_per_mask`). */
  maps: number;
  /** `mask_thresholding_ratio`: the map is clamped at `mean(map) * ratio` and thresholded at half of it. */
  threshold: number;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

/** A generated mask at latent resolution. */
export interface GeneratedMask {
  /** 0/1 per latent pixel, `h * w` (1 = change). */
  mask: Float32Array;
  /** The guidance map before thresholding, `h * w`. */
  map: Float32Array;
  /** `[1, h, w]` */
  dims: [number, number, number];
  /** The timestep the image was noised to. */
  encodeTimestep: number;
  /** Time spent in the UNet, ms, one entry per map. */
  unetMs: number[];
}

/**
 * Generates the mask. The UNet runs once per map on the batch
 * `[source, source negative, target, target negative]` (`[source, target]`
 * without guidance), which equals diffusers' single batch of `4 * maps` rows
 * and keeps memory at batch 4. diffusers 0.31 hands the prompt and its
 * negative to the guidance formula in swapped order, so guidance points
 * towards the negatives: `eps = e_prompt + g * (e_negative - e_prompt)`. We
 * reproduce that (with equal negatives it cancels in the normalisation).
 */
export async function generateMask(g: MaskGeneration): Promise<GeneratedMask> {
  checkMaskParams(g);
  const [c, h, w] = g.latentShape;
  const plane = h * w;
  const perMap = c * plane;
  setSteps(g.scheduler, g.steps);
  const encodeTimestep = g.scheduler.timestepsForStrength(g.strength)[0];
  if (encodeTimestep === undefined) {
    throw new InvalidInputError(
      `Mask strength ${g.strength} with ${g.steps} mask steps noises the image by nothing. Raise the mask strength or the mask steps.`,
    );
  }
  // Draw order as diffusers: all posterior samples, then all noise.
  const latents = g.sampleLatents(g.maps);
  const noise = g.noise.randn([g.maps, c, h, w], 'generate_mask:mask_noise[add_noise at encode timestep]');
  const noisy = g.scheduler.addNoise(latents, noise, encodeTimestep);

  const cfg = g.guidance > 1;
  const prompts = cfg ? [g.source, g.sourceNegative, g.target, g.targetNegative] : [g.source, g.target];
  const [, seq, dim] = g.embeddingDims as [number, number, number];
  const ehs = new Float32Array(prompts.length * seq * dim);
  prompts.forEach((p, i) => ehs.set(p, i * seq * dim));
  const sum = new Float64Array(plane);
  const unetMs: number[] = [];
  const started = performance.now();
  for (let m = 0; m < g.maps; m++) {
    if (g.signal || g.onProgress) await yieldToEventLoop();
    throwIfCancelled(g.signal);
    const one = noisy.subarray(m * perMap, (m + 1) * perMap);
    const input = g.scheduler.scaleModelInput(repeatBatch(one, [1, c, h, w], prompts.length), encodeTimestep);
    const t0 = performance.now();
    const out = await g.unet.predict(input, [prompts.length, c, h, w], encodeTimestep, ehs, [prompts.length, seq, dim]);
    unetMs.push(performance.now() - t0);
    const at = (chunk: number, i: number): number => out[chunk * perMap + i]!;
    for (let i = 0; i < perMap; i++) {
      const source = cfg ? at(0, i) + g.guidance * (at(1, i) - at(0, i)) : at(0, i);
      const target = cfg ? at(2, i) + g.guidance * (at(3, i) - at(2, i)) : at(1, i);
      sum[i % plane]! += Math.abs(Math.fround(target) - Math.fround(source));
    }
    const done = m + 1;
    const elapsedMs = performance.now() - started;
    g.onProgress?.({ type: 'step', step: done, total: g.maps, elapsedMs, etaMs: (elapsedMs / done) * (g.maps - done) });
  }
  throwIfCancelled(g.signal);
  const map = new Float32Array(plane);
  for (let i = 0; i < plane; i++) map[i] = sum[i]! / (g.maps * c);
  return { mask: thresholdMap(map, g.threshold), map, dims: [1, h, w], encodeTimestep, unetMs };
}

/**
 * `clamp(map, 0, k) / k > 0.5` with `k = mean(map) * ratio`. A flat zero map
 * (identical prompts) gives 0 / 0; diffusers marks those pixels, and so do we.
 */
export function thresholdMap(map: Float32Array, ratio: number): Float32Array {
  let mean = 0;
  for (const v of map) mean += v;
  const k = Math.fround(Math.fround(mean / map.length) * ratio);
  const mask = new Float32Array(map.length);
  for (let i = 0; i < map.length; i++) {
    const v = Math.min(Math.max(map[i]!, 0), k) / k;
    mask[i] = v <= 0.5 ? 0 : 1; // NaN (0 / 0) is not <= 0.5: marked, as in diffusers
  }
  return mask;
}

/** Checks mask generation's parameters; throws {@link InvalidInputError} with a message for the designer. */
export function checkMaskParams(g: Pick<MaskGeneration, 'maps' | 'strength' | 'threshold' | 'steps' | 'guidance'>): void {
  if (!Number.isInteger(g.maps) || g.maps < 1 || g.maps > 64) {
    throw new InvalidInputError(`The number of mask maps must be a whole number from 1 to 64 (got ${g.maps}).`);
  }
  if (!(g.strength > 0 && g.strength <= 1)) {
    throw new InvalidInputError(`Mask strength must be above 0 and at most 1 (got ${g.strength}).`);
  }
  if (!(Number.isFinite(g.threshold) && g.threshold > 0)) {
    throw new InvalidInputError(`The mask threshold ratio must be a number above 0 (got ${g.threshold}).`);
  }
  const { steps, guidance } = EDIT_LIMITS;
  if (!Number.isInteger(g.steps) || g.steps < steps.min || g.steps > steps.max) {
    throw new InvalidInputError(`Mask steps must be a whole number from ${steps.min} to ${steps.max} (got ${g.steps}).`);
  }
  if (!(Number.isFinite(g.guidance) && g.guidance >= guidance.min && g.guidance <= guidance.max)) {
    throw new InvalidInputError(`Mask guidance must be a number from ${guidance.min} to ${guidance.max} (got ${g.guidance}).`);
  }
}
