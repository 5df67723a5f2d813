/**
 * The public entry point: an Editor bound to one model runs the four edits.
 *
 * @example
 * ```ts
 * const editor = await createEditor({ model: new NodeFolderSource('models/sd-inpaint') });
 * const result = await editor.edit('inpaint', { image, mask, prompt: 'a red fox', seed: 42 });
 * result.images[0]; // RGBA at the input's exact size, untouched outside the mask
 * ```
 */
import { throwIfCancelled, WrongModelKindError } from './errors';
import {
  binarize,
  compositeMasked,
  blurMask,
  fillHoleTelea,
  growMask,
  InvalidInputError,
  isEmpty,
  isFull,
  nchwToNhwc01,
  nhwc01ToRgba,
  pasteRgba,
  resizeMask,
  rgbaToNchw,
  type Mask,
  type RgbaImage,
} from './image';
import type { ModelKind, ModelRepo, RepoSource } from './models';
import { loadModelRepo } from './models';
import { decodeLatents } from './pipelines/latents';
import { frame, fromWorkingImage, toWorkingImage, toWorkingMask, type Framing, type Rect } from './pipelines/framing';
import { runInpaint, type ModelMask } from './pipelines/inpaint';
import { runMaskEdit } from './pipelines/mask-edit';
import type { Components, ModelRun, ModelRunResult } from './pipelines/model-run';
import { runPix2Pix } from './pipelines/pix2pix';
import { encodePrompts } from './pipelines/prompts';
import { PromptCache } from './pipelines/prompt-cache';
import { startLive, type LiveOptions, type LiveSession } from './live/session';
import { lazyTaesd, loadTaesd, type LazyTaesd, type TaesdModel } from './live/taesd';
import { resolveParams, type EditRequest, type Operation, type ResolvedParams } from './pipelines/request';
import { runSdedit } from './pipelines/sdedit';
import type { StepTimings } from './pipelines/denoise';
import { createRuntime, type StippleRuntime } from './runtime';
import { createScheduler, defaultSchedulerName } from './schedulers';
import { SeededNoise, seedFromAny } from './tensor';

/** Something the user should know about a result that is not an error. */
export interface EditWarning {
  code: 'MASK_RESIZED' | 'MASK_EMPTY' | 'MASK_FULL' | 'PROMPT_TRUNCATED' | 'RESIZED_FOR_MODEL';
  message: string;
}

/** Everything needed to reproduce a result. */
export interface EditMeta {
  stipple: string;
  model: string;
  modelKind: ModelKind;
  operation: Operation;
  params: ResolvedParams;
  noise: 'seeded' | 'injected';
  width: number;
  height: number;
  /** Input region the model edited, and the resolution it ran at. */
  region: Rect;
  workingWidth: number;
  workingHeight: number;
  timesteps: number[];
  /** The autoencoder that encoded and decoded: the model's VAE, or TAESD (`vae: 'fast'` with a TAESD loaded). */
  vae?: 'vae' | 'taesd';
}

export interface EditResult {
  /** Final images at the input's exact size, composited over the original outside the mask. */
  images: RgbaImage[];
  /**
   * The decoded model output before any compositing: float32 NHWC in [0, 1],
   * `count` images of `workingWidth x workingHeight` back to back (the layout of diffusers' `output.bin`).
   */
  raw: Float32Array;
  meta: EditMeta;
  warnings: EditWarning[];
  timings: StepTimings;
}

export interface EditorOptions {
  /** A model repo, or where to read one from. */
  model: ModelRepo | RepoSource;
  /** ONNX Runtime to run on; default: onnxruntime-web on wasm. */
  runtime?: StippleRuntime;
  /**
   * Keep less in memory: release the text encoder once the prompts are
   * encoded, and the VAE encoder before the UNet is needed, so at most the
   * UNet and one other component are loaded. Each edit then reloads them.
   * Default false.
   */
  lowMemory?: boolean;
  /**
   * TAESD's two halves (a source with `vae_encoder/` and `vae_decoder/`, e.g.
   * `await openModelSource('taesd')`): live runs (`vae: 'fast'`) then encode
   * and decode with it instead of the full VAE.
   */
  taesd?: TaesdModel | RepoSource;
}

export const STIPPLE_VERSION = '0.1.0';

/** Which model kind each edit needs, and what to tell a user who picked the wrong one. */
const NEEDS: Record<Operation, ModelKind> = {
  inpaint: 'inpaint',
  'mask-edit': 'plain',
  sdedit: 'plain',
  pix2pix: 'pix2pix',
};
const ALTERNATIVE: Record<ModelKind, string> = {
  plain: '`mask-edit` (masked areas) or `sdedit` (whole image)',
  inpaint: '`inpaint`',
  pix2pix: '`pix2pix`',
};

/** Loads a model and returns an {@link Editor} for it. */
export async function createEditor(options: EditorOptions): Promise<Editor> {
  const repo = 'components' in options.model ? options.model : await loadModelRepo(options.model);
  const taesd = options.taesd && ('encoder' in options.taesd ? options.taesd : await loadTaesd(options.taesd));
  return new Editor(repo, options.runtime ?? createRuntime(), { lowMemory: options.lowMemory, taesd });
}

export class Editor {
  private readonly components: LazyComponents;
  private readonly lowMemory: boolean;
  private readonly taesd: LazyTaesd | undefined;
  /** Text embeddings of the last prompt pair: live runs repeat it stroke after stroke. */
  private readonly prompts = new PromptCache();

  constructor(
    readonly repo: ModelRepo,
    runtime: StippleRuntime,
    options: { lowMemory?: boolean; taesd?: TaesdModel } = {},
  ) {
    this.lowMemory = options.lowMemory ?? false;
    this.components = lazyComponents(runtime, repo, this.lowMemory);
    this.taesd = options.taesd && lazyTaesd(runtime, options.taesd);
  }

  /** Whether `vae: 'fast'` runs use TAESD (one was given), rather than the full VAE. */
  get hasFastVae(): boolean {
    return this.taesd !== undefined;
  }

  /** Starts a live session on this editor: see {@link LiveSession}. */
  live(options: LiveOptions): LiveSession {
    return startLive(this, options);
  }

  /** The edits this model can run. */
  get operations(): Operation[] {
    return (Object.keys(NEEDS) as Operation[]).filter((op) => NEEDS[op] === this.repo.kind);
  }

  /** Runs one of the four edits. */
  async edit(operation: Operation, req: EditRequest): Promise<EditResult> {
    this.checkKind(operation);
    checkImage(req.image);
    const warnings: EditWarning[] = [];
    const seed = req.noise ? (req.seed ?? null) : seedFromAny(req.seed);
    const params = resolveParams(operation, req, defaultSchedulerName(this.repo.schedulerConfig), seed);
    const image = req.image;
    const masked = operation === 'inpaint' || operation === 'mask-edit';

    let mask = req.mask && this.prepareMask(req.mask, image, params, warnings);
    if (masked && !mask) {
      throw new InvalidInputError(`${operation} needs a mask: paint or select the area to change.`);
    }
    if (mask && isEmpty(binarize(mask))) {
      warnings.push({ code: 'MASK_EMPTY', message: 'The mask is empty, so there is nothing to change: the image is returned as it is.' });
      if (masked) return this.unchanged(operation, image, params, warnings);
      mask = undefined;
    }
    if (mask && isFull(binarize(mask))) {
      warnings.push({
        code: 'MASK_FULL',
        message: 'The mask covers the whole image, so the whole image is regenerated. Use SDEdit to keep its layout.',
      });
    }

    const framing = frame(image, {
      multiple: sizeMultiple(this.repo),
      maxPixels: req.maxWorkingPixels ?? nativePixels(this.repo),
      onlyMasked: params.onlyMasked && mask ? { mask, padding: params.onlyMaskedPadding } : undefined,
    });
    if (framing.width !== framing.region.width || framing.height !== framing.region.height) {
      warnings.push({
        code: 'RESIZED_FOR_MODEL',
        message: `The model ran at ${framing.width}x${framing.height}; the result was scaled back to ${framing.region.width}x${framing.region.height}.`,
      });
    }
    let working = toWorkingImage(image, framing);
    const modelMask = mask && binarizedModelMask(toWorkingMask(mask, framing));
    if (operation === 'mask-edit' && params.maskedContent === 'fill' && modelMask) {
      working = fillHoleTelea(working, { width: modelMask.width, height: modelMask.height, data: modelMask.data });
    }

    req.onProgress?.({ type: 'phase', phase: 'encode-text' });
    const prompts = await this.prompts.get(params.prompt, params.negativePrompt, async () =>
      encodePrompts(this.repo.tokenizer, await this.components.textEncoder(), params.prompt, params.negativePrompt),
    );
    if (this.lowMemory) await this.components.drop('textEncoder');
    for (const [which, t] of [
      ['prompt', prompts.prompt],
      ['negative prompt', prompts.negativePrompt],
    ] as const) {
      if (t.truncated) {
        warnings.push({
          code: 'PROMPT_TRUNCATED',
          message: `The ${which} has ${t.numTokens} tokens; only the first ${this.repo.tokenizer.maxLength - 2} are used.`,
        });
      }
    }

    // TAESD's latents are already in the UNet's space: latent scale 1.
    const fast = req.vae === 'fast' ? this.taesd : undefined;
    const components: Components = fast ? { ...this.components, vaeEncoder: fast.vaeEncoder, vaeDecoder: fast.vaeDecoder } : this.components;
    const scalingFactor = fast ? 1 : this.repo.scalingFactor;
    const run: ModelRun = {
      components,
      scheduler: createScheduler(params.scheduler, this.repo.schedulerConfig, { eta: params.eta }),
      noise: req.noise ?? new SeededNoise(seed!),
      scalingFactor,
      vaeScaleFactor: this.repo.vaeScaleFactor,
      pixels: rgbaToNchw(working),
      width: framing.width,
      height: framing.height,
      embeddings: prompts.embeddings,
      steps: params.steps,
      guidance: params.guidance,
      count: params.count,
      signal: req.signal,
      onProgress: req.onProgress,
      previewEvery: req.previewEvery,
    };
    req.onProgress?.({ type: 'phase', phase: 'encode-image' });
    const result = await this.runModel(operation, run, params, modelMask);

    req.onProgress?.({ type: 'phase', phase: 'decode' });
    const raw = await this.decode(result, req.signal, components, scalingFactor);
    req.onProgress?.({ type: 'phase', phase: 'composite' });
    // Mask blur N is a Gaussian of sigma N px, as A1111's "mask blur".
    const composite = mask && blurMask(mask, params.maskBlur);
    const images: RgbaImage[] = [];
    for (let b = 0; b < params.count; b++) {
      const one = raw.subarray(b * framing.width * framing.height * 3, (b + 1) * framing.width * framing.height * 3);
      const generated = nhwc01ToRgba(one, framing.width, framing.height);
      images.push(restore(image, generated, framing, composite));
    }
    return {
      images,
      raw,
      warnings,
      timings: result.timings,
      meta: { ...this.meta(operation, image, params, framing, [...result.timesteps], req.noise !== undefined), vae: fast ? 'taesd' : 'vae' },
    };
  }

  /** Releases every ONNX session this editor holds. */
  async dispose(): Promise<void> {
    this.prompts.clear();
    await Promise.all([this.components.release(), this.taesd?.release()]);
  }

  private checkKind(operation: Operation): void {
    const needs = NEEDS[operation];
    if (needs === undefined) throw new InvalidInputError(`Unknown edit "${String(operation)}".`);
    if (needs !== this.repo.kind) {
      const what = { plain: 'a plain (4-channel)', inpaint: 'an inpainting (9-channel)', pix2pix: 'an InstructPix2Pix (8-channel)' };
      throw new WrongModelKindError(
        `${operation} needs ${what[needs]} model, but this is ${what[this.repo.kind]} model. With this model, use ${ALTERNATIVE[this.repo.kind]}.`,
      );
    }
  }

  private prepareMask(mask: Mask, image: RgbaImage, params: ResolvedParams, warnings: EditWarning[]): Mask {
    let m = mask;
    if (m.width !== image.width || m.height !== image.height) {
      warnings.push({
        code: 'MASK_RESIZED',
        message: `The mask is ${m.width}x${m.height} but the image is ${image.width}x${image.height}: the mask was resized to fit.`,
      });
      m = resizeMask(m, image.width, image.height, 'bilinear');
    }
    return params.maskGrow !== 0 ? growMask(m, params.maskGrow) : m;
  }

  private async runModel(
    operation: Operation,
    run: ModelRun,
    params: ResolvedParams,
    mask: ModelMask | undefined,
  ): Promise<ModelRunResult> {
    switch (operation) {
      case 'inpaint':
        return runInpaint({ ...run, strength: params.strength, mask: mask! });
      case 'mask-edit':
        return runMaskEdit({ ...run, strength: params.strength, mask: mask!, maskedContent: params.maskedContent });
      case 'sdedit':
        return runSdedit({ ...run, strength: params.strength });
      case 'pix2pix':
        return runPix2Pix({ ...run, imageGuidance: params.imageGuidance });
    }
  }

  private async decode(
    result: ModelRunResult,
    signal: AbortSignal | undefined,
    components: Components,
    scalingFactor: number,
  ): Promise<Float32Array> {
    const decoder = await components.vaeDecoder();
    const parts: Float32Array[] = [];
    for (let b = 0; b < result.dims[0]; b++) {
      throwIfCancelled(signal);
      const out = await decodeLatents(decoder, result.latents, result.dims, b, scalingFactor);
      parts.push(nchwToNhwc01(out.data, out.dims));
    }
    const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    return all;
  }

  private unchanged(operation: Operation, image: RgbaImage, params: ResolvedParams, warnings: EditWarning[]): EditResult {
    const framing: Framing = { region: { x: 0, y: 0, width: image.width, height: image.height }, width: 0, height: 0 };
    return {
      images: Array.from({ length: params.count }, () => ({ ...image, data: image.data.slice() })),
      raw: new Float32Array(0),
      warnings,
      timings: { unetMs: [], stepMs: [] },
      meta: this.meta(operation, image, params, framing, [], false),
    };
  }

  private meta(
    operation: Operation,
    image: RgbaImage,
    params: ResolvedParams,
    framing: Framing,
    timesteps: number[],
    injected: boolean,
  ): EditMeta {
    return {
      stipple: STIPPLE_VERSION,
      model: this.repo.source.description,
      modelKind: this.repo.kind,
      operation,
      params,
      noise: injected ? 'injected' : 'seeded',
      width: image.width,
      height: image.height,
      region: framing.region,
      workingWidth: framing.width,
      workingHeight: framing.height,
      timesteps,
    };
  }
}

function checkImage(image: RgbaImage | undefined): void {
  if (!image || !(image.width > 0) || !(image.height > 0) || image.data?.length !== image.width * image.height * 4) {
    throw new InvalidInputError('The image is empty or damaged: expected RGBA pixels of a non-empty image.');
  }
}

function binarizedModelMask(mask: Mask): ModelMask {
  const b = binarize(mask);
  return { width: b.width, height: b.height, data: b.data };
}

/**
 * Puts a working-resolution result back into a copy of the original: scaled to
 * the region, pasted there, and blended over the original through the
 * feathered mask so untouched pixels stay byte-identical.
 */
function restore(original: RgbaImage, generated: RgbaImage, framing: Framing, mask: Mask | undefined): RgbaImage {
  const regionResult = fromWorkingImage(generated, framing);
  const full =
    framing.region.width === original.width && framing.region.height === original.height
      ? regionResult
      : pasteRgba({ ...original, data: original.data.slice() }, regionResult, framing.region.x, framing.region.y);
  return mask ? compositeMasked(original, full, mask) : withAlphaOf(original, full);
}

/** Keeps the original's alpha channel: the model only makes RGB. */
function withAlphaOf(original: RgbaImage, image: RgbaImage): RgbaImage {
  const data = image.data.slice();
  for (let i = 3; i < data.length; i += 4) data[i] = original.data[i]!;
  return { width: image.width, height: image.height, data };
}

interface LazyComponents extends Components {
  /** Releases one component's session; the next use creates it again. */
  drop(name: keyof Components): Promise<void>;
  release(): Promise<void>;
}

/**
 * Creates each component's session on first use and keeps it for the next
 * edit. With `lowMemory`, asking for the UNet first releases the encoders
 * (every edit has used them by then).
 */
function lazyComponents(runtime: StippleRuntime, repo: ModelRepo, lowMemory = false): LazyComponents {
  type Releasable = { release(): Promise<void> };
  const made = new Map<keyof Components, Promise<Releasable>>();
  const once = <T extends Releasable>(name: keyof Components, create: () => Promise<T>): (() => Promise<T>) => {
    return () => {
      let session = made.get(name) as Promise<T> | undefined;
      if (!session) {
        session = create();
        made.set(name, session);
        // A failed creation is retried on the next edit rather than cached.
        session.catch(() => {
          if (made.get(name) === session) made.delete(name);
        });
      }
      return session;
    };
  };
  const drop = async (name: keyof Components): Promise<void> => {
    const session = made.get(name);
    made.delete(name);
    await session?.then((s) => s.release()).catch(() => undefined);
  };
  const unet = once('unet', () => runtime.createUnet(repo));
  return {
    textEncoder: once('textEncoder', () => runtime.createTextEncoder(repo)),
    unet: async () => {
      if (lowMemory) await Promise.all([drop('textEncoder'), drop('vaeEncoder')]);
      return unet();
    },
    vaeEncoder: once('vaeEncoder', () => runtime.createVaeEncoder(repo)),
    vaeDecoder: once('vaeDecoder', () => runtime.createVaeDecoder(repo)),
    drop,
    async release() {
      const all = [...made.values()];
      made.clear();
      await Promise.all(all.map((p) => p.then((s) => s.release()).catch(() => undefined)));
    },
  };
}

/** Image sides must be multiples of this: the VAE factor times the UNet's downsampling. */
export function sizeMultiple(repo: ModelRepo): number {
  const blocks = repo.unetConfig['block_out_channels'];
  const levels = Array.isArray(blocks) ? blocks.length : 4;
  return repo.vaeScaleFactor * 2 ** (levels - 1);
}

/** The area the model was trained at: `(unet sample_size * VAE factor)^2` (512^2 for SD 1.x). */
export function nativePixels(repo: ModelRepo): number {
  const sample = repo.unetConfig['sample_size'];
  const side = (typeof sample === 'number' ? sample : 64) * repo.vaeScaleFactor;
  return side * side;
}
