/**
 * DiffEdit (Couairon et al. 2022, "DiffEdit: Diffusion-based semantic image
 * editing with mask guidance"), as diffusers 0.31's
 * StableDiffusionDiffEditPipeline: edit by words alone. Three stages:
 * 1. {@link generateMask}: where the source and target prompts disagree;
 * 2. {@link invert}: DDIM inversion of the image with the source prompt;
 * 3. the edit: DDIM sampling with the target prompt from the noisiest inverted
 *    latents, resetting the area outside the mask to the inverted latents of
 *    the current level after every step.
 * A user-given mask skips stage 1. Runs on any 4-channel model.
 */
import { EDIT_LIMITS } from './limits';
import { InvalidInputError, resizeMask, type Mask } from '../image';
import type { ClipTokenizer } from '../text';
import { createInverseScheduler } from '../schedulers';
import { repeatBatch } from '../tensor';
import { checkMaskParams, generateMask } from './diffedit-mask';
import { invert } from './diffedit-invert';
import { posteriorSample, scaleLatents } from './latents';
import { latentDims, type ModelRun, type ModelRunResult, type PromptEmbeddings } from './model-run';
import { strengthTimesteps } from './strength';
import type { EditRequest } from './request';
import { denoiseWithTextGuidance } from './text-guided';

/**
 * DiffEdit's own parameters (`EditRequest.diffedit`). The edit's `prompt` is the
 * target prompt; its `negativePrompt` defaults to the source prompt; `steps`,
 * `strength` (default 0.8) and `guidance` are shared by the inversion and the edit.
 */
export interface DiffEditOptions {
  /** What the image shows now, e.g. "a bowl of fruit". */
  sourcePrompt: string;
  /** Negative of the source prompt in mask generation (default empty). */
  sourceNegativePrompt?: string;
  /** Negative of the target prompt in mask generation (default empty). */
  targetNegativePrompt?: string;
  /** Negative prompt of the inversion (default empty). */
  invertNegativePrompt?: string;
  /** Guidance of the inversion (default: the edit's guidance); off at <= 1. */
  invertGuidance?: number;
  /** Steps of mask generation's schedule (default: the edit's steps). */
  maskSteps?: number;
  /** How far the image is noised for the mask, in (0, 1] (default 0.5). */
  maskStrength?: number;
  /** Guidance of mask generation (default: the edit's guidance). */
  maskGuidance?: number;
  /** Noised copies averaged into the mask (default 10); each costs one UNet batch. */
  maskMaps?: number;
  /** Threshold ratio: the map is clamped at `mean * ratio` and cut at half of that (default 3). */
  maskThreshold?: number;
}

/** {@link DiffEditOptions} with every default filled in. */
export type ResolvedDiffEdit = Required<DiffEditOptions>;

/** The stages' artifacts, returned beside the edit's images. */
export interface DiffEditOutputs {
  /** The mask the edit used, 0/1 at latent resolution, `[1, h, w]` (generated, or the user's reduced). */
  mask: Float32Array;
  maskDims: [number, number, number];
  /** Whether the mask was generated (false: the user gave one). */
  generated: boolean;
  /** The guidance map before thresholding, `[1, h, w]` (generated masks only). */
  map?: Float32Array;
  /** The inverted latents `[1, levels, 4, h, w]`, noisiest first. */
  inverted: Float32Array;
  invertedDims: [number, number, number, number, number];
  /** UNet calls and UNet time of each stage. */
  stages: Record<'mask' | 'invert' | 'edit', { unetCalls: number; unetMs: number }>;
}

/**
 * The request as the shared parameter resolution should see it: the edit's
 * negative prompt defaults to the source prompt (diffusers' default) and the
 * scheduler to DDIM.
 */
export function diffEditRequest(req: EditRequest): EditRequest {
  return { ...req, negativePrompt: req.negativePrompt ?? req.diffedit?.sourcePrompt, scheduler: req.scheduler ?? 'ddim' };
}

/** A latent-resolution 0/1 mask at `width x height` (nearest: each latent pixel covers its 8x8 block), for compositing and display. */
export function upscaleLatentMask(mask: Float32Array, dims: readonly [number, number, number], width: number, height: number): Mask {
  return resizeMask({ width: dims[2], height: dims[1], data: mask.slice() }, width, height, 'nearest');
}

/** Fills DiffEdit's defaults from the edit's resolved steps and guidance; throws on a missing source prompt. */
export function resolveDiffEdit(options: DiffEditOptions | undefined, steps: number, guidance: number): ResolvedDiffEdit {
  if (!options || typeof options.sourcePrompt !== 'string') {
    throw new InvalidInputError('DiffEdit needs a source prompt: describe what the image shows now.');
  }
  const r: ResolvedDiffEdit = {
    sourcePrompt: options.sourcePrompt,
    sourceNegativePrompt: options.sourceNegativePrompt ?? '',
    targetNegativePrompt: options.targetNegativePrompt ?? '',
    invertNegativePrompt: options.invertNegativePrompt ?? '',
    invertGuidance: options.invertGuidance ?? guidance,
    maskSteps: options.maskSteps ?? steps,
    maskStrength: options.maskStrength ?? 0.5,
    maskGuidance: options.maskGuidance ?? guidance,
    maskMaps: options.maskMaps ?? 10,
    maskThreshold: options.maskThreshold ?? 3.0,
  };
  const { guidance: limit } = EDIT_LIMITS;
  if (!(Number.isFinite(r.invertGuidance) && r.invertGuidance >= limit.min && r.invertGuidance <= limit.max)) {
    throw new InvalidInputError(`Inversion guidance must be a number from ${limit.min} to ${limit.max} (got ${r.invertGuidance}).`);
  }
  // Checked here too so a bad value fails before any model work.
  checkMaskParams({ maps: r.maskMaps, strength: r.maskStrength, threshold: r.maskThreshold, steps: r.maskSteps, guidance: r.maskGuidance });
  return r;
}

/** What the editor hands DiffEdit beside the usual run (whose embeddings are the target prompt and the edit's negative). */
export interface DiffEditRun extends ModelRun {
  strength: number;
  diffedit: ResolvedDiffEdit;
  tokenizer: ClipTokenizer;
  schedulerConfig: Readonly<Record<string, unknown>>;
  /** The user's mask at latent resolution (`h * w`, 0/1): skips mask generation. */
  latentMask?: Float32Array;
}

export async function runDiffEdit(run: DiffEditRun): Promise<ModelRunResult & { diffedit: DiffEditOutputs }> {
  if (run.scheduler.name !== 'ddim') {
    throw new InvalidInputError(`DiffEdit samples with DDIM, the partner of its DDIM inversion; choose the ddim scheduler (got ${run.scheduler.name}).`);
  }
  const d = run.diffedit;
  const [count, c, h, w] = latentDims(run);
  // One text-encoder batch for the prompts only DiffEdit uses (the editor encoded the target and the edit's negative).
  const texts = [d.sourcePrompt, d.sourceNegativePrompt, d.targetNegativePrompt, d.invertNegativePrompt];
  const encoded = await (await run.components.textEncoder()).encode(texts.map((t) => run.tokenizer.encode(t).inputIds));
  const [, seq, dim] = encoded.dims as [number, number, number];
  const [source, sourceNegative, targetNegative, invertNegative] = texts.map((_, i) => encoded.data.slice(i * seq * dim, (i + 1) * seq * dim)) as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const forInversion: PromptEmbeddings = { positive: source, negative: invertNegative, dims: [1, seq, dim] };

  // The image is encoded once; each stage draws its own posterior sample from it.
  const posterior = await (await run.components.vaeEncoder()).encode(run.pixels, [1, 3, run.height, run.width]);
  const sample = (n: number, label: string): Float32Array => {
    if (posterior.kind === 'sample') return repeatBatch(posterior.sample, posterior.dims, n);
    const mean = repeatBatch(posterior.mean, posterior.dims, n);
    const logvar = repeatBatch(posterior.logvar, posterior.dims, n);
    return scaleLatents(posteriorSample({ mean, logvar }, run.noise.randn([n, c, h, w], label)), run.scalingFactor);
  };
  const unet = await run.components.unet();

  let mask = run.latentMask;
  let map: Float32Array | undefined;
  let maskUnetMs: number[] = [];
  if (!mask) {
    run.onProgress?.({ type: 'phase', phase: 'generate-mask' });
    const generated = await generateMask({
      unet,
      scheduler: run.scheduler,
      noise: run.noise,
      sampleLatents: (maps) => sample(maps, 'generate_mask:vae_posterior_sample[image repeated num_maps_per_mask times]'),
      latentShape: [c, h, w],
      source,
      sourceNegative,
      target: run.embeddings.positive,
      targetNegative,
      embeddingDims: [1, seq, dim],
      steps: d.maskSteps,
      strength: d.maskStrength,
      guidance: d.maskGuidance,
      maps: d.maskMaps,
      threshold: d.maskThreshold,
      signal: run.signal,
      onProgress: run.onProgress,
    });
    mask = generated.mask;
    map = generated.map;
    maskUnetMs = generated.unetMs;
  }

  run.onProgress?.({ type: 'phase', phase: 'invert' });
  const inversion = await invert(
    { ...run, embeddings: forInversion, guidance: d.invertGuidance },
    createInverseScheduler(run.schedulerConfig),
    sample(1, 'invert:vae_posterior_sample[image]'),
    run.strength,
  );

  run.onProgress?.({ type: 'phase', phase: 'denoise' });
  const timesteps = strengthTimesteps(run.scheduler, run.steps, run.strength);
  const [, levels] = inversion.dims;
  if (timesteps.length !== levels) {
    throw new InvalidInputError(`DiffEdit's edit would run ${timesteps.length} steps but the inversion made ${levels} levels.`);
  }
  const per = c * h * w;
  const level = (i: number): Float32Array => repeatBatch(inversion.latents.subarray(i * per, (i + 1) * per), [1, c, h, w], count);
  const m = mask;
  const plane = h * w;
  // After the step at timesteps[i]: latents * mask + inverted[:, i] * (1 - mask). diffusers
  // uses the level index i (not i + 1), so the last step restores inverted[:, -1], not the image.
  const result = await denoiseWithTextGuidance(run, timesteps, level(0), undefined, (latents, i) => {
    const kept = level(i);
    return latents.map((x, j) => {
      const k = m[j % plane]!;
      return x * k + kept[j]! * (1 - k);
    });
  });
  return {
    ...result,
    diffedit: {
      mask,
      maskDims: [1, h, w],
      generated: map !== undefined,
      ...(map ? { map } : {}),
      inverted: inversion.latents,
      invertedDims: inversion.dims,
      stages: {
        mask: { unetCalls: maskUnetMs.length, unetMs: sum(maskUnetMs) },
        invert: { unetCalls: inversion.unetMs.length, unetMs: sum(inversion.unetMs) },
        edit: { unetCalls: result.timings.unetMs.length, unetMs: sum(result.timings.unetMs) },
      },
    },
  };
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
