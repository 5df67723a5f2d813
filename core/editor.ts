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
import { needsMask, OPERATION_TABLE, operationsFor } from './operations';
import type { EditEngine } from './engine';
import type { EngineInfo } from './engine-info';
import { decodeLatents } from './pipelines/latents';
import { frame, fromWorkingImage, toWorkingImage, toWorkingMask, type Framing, type Rect } from './pipelines/framing';
import { checkRecordedNoiseSize } from './pipelines/recorded-noise';
import { defaultMaxPixels, type ModelSizes } from './pipelines/resolution';
import { diffEditRequest, resolveDiffEdit, runDiffEdit, upscaleLatentMask, type DiffEditOutputs } from './pipelines/diffedit';
import { latentMask, runInpaint, type ModelMask } from './pipelines/inpaint';
import { runMaskEdit } from './pipelines/mask-edit';
import type { Components, ModelRun, ModelRunResult } from './pipelines/model-run';
import { lazyComponents, type LazyComponents } from './lazy-components';
import { guidanceChunks } from './pipelines/guidance';
import { runPix2Pix } from './pipelines/pix2pix';
import { encodePrompts } from './pipelines/prompts';
import { PromptCache } from './pipelines/prompt-cache';
import { startLive, type LiveOptions, type LiveSession } from './live/session';
import { lazyTaesd, loadTaesd, type LazyTaesd, type TaesdModel } from './live/taesd';
import { resolveParams, type EditRequest, type Operation, type ResolvedParams } from './pipelines/request';
import { runSdedit } from './pipelines/sdedit';
import type { StepTimings } from './pipelines/denoise';
import { createRuntime, openRuntime, type RuntimeChoice, type StippleRuntime } from './runtime';
import type { BackendLimits, CapabilitySummary } from './runtime/capability';
import { defaultLimits, FitCheck, type VaeTilingChoice } from './pipelines/fit-check';
import { tiledVae } from './pipelines/tiled-vae-sessions';
import type { VaeTiling } from './pipelines/vae-tiling';
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
  /** The memory estimate checked before loading (absent when the backend's limits are unknown). */
  capability?: CapabilitySummary;
  /** Set when the VAE ran in tiles of this many pixels (see `EditorOptions.vaeTiling`). */
  vaeTileSize?: number;
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
  /** DiffEdit's mask (also at the input's size, `imageMask`), inverted latents and stage costs (`diffedit` only). */
  diffedit?: DiffEditOutputs & { imageMask: Mask };
}

export interface EditorOptions {
  /** A model repo, or where to read one from. */
  model: ModelRepo | RepoSource;
  /**
   * ONNX Runtime to run on: `auto` (onnxruntime-node in Node when installed,
   * else WASM), `wasm`, `native`, or a runtime from `createRuntime`.
   * Default: onnxruntime-web on wasm. (Issue 12's `createEngine` is to take
   * the same option.)
   */
  runtime?: StippleRuntime | RuntimeChoice;
  /** CPU threads when `runtime` is a name; default: the cores, at most 4 on WASM. */
  threads?: number;
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
  /**
   * What the backend can hold, checked before any weights are loaded (see
   * `runtime/capability.ts`): an edit that cannot fit fails early with a
   * `ResourceLimitError`. Default: the 4 GiB heap on onnxruntime-web's WASM;
   * unknown (no check) elsewhere unless given, e.g.
   * `backendLimits('native', os.totalmem())`. `false` turns the check off.
   */
  limits?: BackendLimits | false;
  /**
   * Run the VAE in overlapping, blended tiles (diffusers' `enable_vae_tiling`):
   * `auto` (default) when the estimate says the whole-image VAE would not fit
   * the backend, `off`, or always with the given tiles (e.g. `{ tileSize: 512 }`).
   * Tiled results differ slightly from whole-image ones.
   */
  vaeTiling?: VaeTilingChoice;
}

export const STIPPLE_VERSION = '0.1.0';

/** What to tell a user whose model cannot run the edit they picked. */
const ALTERNATIVE: Record<ModelKind, string> = {
  plain: '`mask-edit` (masked areas), `sdedit` (whole image) or `diffedit` (by description)',
  inpaint: '`inpaint`',
  pix2pix: '`pix2pix`',
};

/** Loads a model and returns an {@link Editor} for it. */
export async function createEditor(options: EditorOptions): Promise<Editor> {
  const repo = 'components' in options.model ? options.model : await loadModelRepo(options.model);
  const runtime =
    typeof options.runtime === 'object'
      ? options.runtime
      : options.runtime !== undefined || options.threads !== undefined
        ? await openRuntime(options.runtime ?? 'wasm', { threads: options.threads })
        : createRuntime();
  const taesd = options.taesd && ('encoder' in options.taesd ? options.taesd : await loadTaesd(options.taesd));
  return new Editor(repo, runtime, { lowMemory: options.lowMemory, taesd, limits: options.limits, vaeTiling: options.vaeTiling });
}

export class Editor implements EditEngine {
  /** Where it runs and why: set when `createEngine` made it. */
  readonly info: EngineInfo | undefined;
  private readonly components: LazyComponents;
  private readonly lowMemory: boolean;
  private readonly onDispose: (() => void) | undefined;
  private readonly taesd: LazyTaesd | undefined;
  /** Text embeddings of the last prompt pair: live runs repeat it stroke after stroke. */
  private readonly prompts = new PromptCache();
  private readonly fit: FitCheck;
  /** The last edit's memory verdict, for its metadata. */
  private capability: CapabilitySummary | undefined;
  private readonly vaeTilingChoice: VaeTilingChoice;
  /** The last edit's VAE tiles (undefined: whole image). */
  private vaeTiling: VaeTiling | undefined;

  constructor(
    readonly repo: ModelRepo,
    runtime: StippleRuntime,
    options: {
      lowMemory?: boolean;
      taesd?: TaesdModel;
      info?: EngineInfo;
      onDispose?: () => void;
      limits?: BackendLimits | false;
      vaeTiling?: VaeTilingChoice;
    } = {},
  ) {
    this.lowMemory = options.lowMemory ?? false;
    this.info = options.info;
    this.onDispose = options.onDispose;
    this.vaeTilingChoice = options.vaeTiling ?? 'auto';
    this.fit = new FitCheck(repo, options.limits === false ? undefined : (options.limits ?? defaultLimits(runtime)));
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
    return operationsFor(this.repo.kind);
  }

  /** Runs one of the four edits. */
  async edit(operation: Operation, req: EditRequest): Promise<EditResult> {
    this.checkKind(operation);
    checkImage(req.image);
    const warnings: EditWarning[] = [];
    const seed = req.noise ? (req.seed ?? null) : seedFromAny(req.seed);
    const diffedit = operation === 'diffedit';
    const params = resolveParams(operation, diffedit ? diffEditRequest(req) : req, defaultSchedulerName(this.repo.schedulerConfig), seed);
    if (diffedit) params.diffedit = resolveDiffEdit(req.diffedit, params.steps, params.guidance);
    const image = req.image;
    const masked = needsMask(operation);

    let mask = req.mask && this.prepareMask(req.mask, image, params, warnings);
    if (masked && !mask) {
      throw new InvalidInputError(`${operation} needs a mask: paint or select the area to change.`);
    }
    if (mask && isEmpty(binarize(mask))) {
      // Masked edits (and DiffEdit given a mask) have nothing to change; for sdedit and pix2pix the mask only limits where the
      // result goes, so an empty one is ignored and the whole image is edited, as without a mask.
      const message = masked || diffedit
        ? 'The mask is empty, so there is nothing to change: the image is returned as it is.'
        : 'The mask is empty, so it was ignored: the whole image was edited, as without a mask.';
      warnings.push({ code: 'MASK_EMPTY', message });
      if (masked || diffedit) return this.unchanged(operation, image, params, warnings);
      mask = undefined;
    }
    if (mask && isFull(binarize(mask))) {
      warnings.push({
        code: 'MASK_FULL',
        message: 'The mask covers the whole image, so the whole image is regenerated. Use SDEdit to keep its layout.',
      });
    }

    const framing = await this.frame(operation, image, mask, req, params);
    checkRecordedNoiseSize(req.noise, framing.width, framing.height, this.repo.vaeScaleFactor);
    if (framing.note) warnings.push({ code: 'RESIZED_FOR_MODEL', message: framing.note });
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
    const components: Components = fast
      ? { ...this.components, vaeEncoder: fast.vaeEncoder, vaeDecoder: fast.vaeDecoder }
      : this.vaeTiling
        ? tiledVae(this.components, this.vaeTiling, this.repo.vaeScaleFactor)
        : this.components;
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
    // DiffEdit without a user mask composites through its generated mask, at the image's size.
    const made = 'diffedit' in result ? (result.diffedit as DiffEditOutputs) : undefined;
    const imageMask = made && (mask ?? upscaleLatentMask(made.mask, made.maskDims, image.width, image.height));
    const used = mask ?? imageMask;
    // Mask blur N is a Gaussian of sigma N px, as A1111's "mask blur".
    const composite = used && blurMask(used, params.maskBlur);
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
      meta: {
        ...this.meta(operation, image, params, framing, [...result.timesteps], req.noise !== undefined),
        vae: fast ? 'taesd' : 'vae',
        ...(this.capability ? { capability: this.capability } : {}),
        ...(this.vaeTiling && !fast ? { vaeTileSize: this.vaeTiling.tileSize } : {}),
      },
      ...(made && imageMask ? { diffedit: { ...made, imageMask } } : {}),
    };
  }

  /** Releases every ONNX session this editor holds. */
  async dispose(): Promise<void> {
    this.prompts.clear();
    await Promise.all([this.components.release(), this.taesd?.release()]);
    this.onDispose?.();
  }

  private checkKind(operation: Operation): void {
    const needs = OPERATION_TABLE[operation]?.modelKind;
    if (needs === undefined) throw new InvalidInputError(`Unknown edit "${String(operation)}".`);
    if (needs !== this.repo.kind) {
      const what = { plain: 'a plain (4-channel)', inpaint: 'an inpainting (9-channel)', pix2pix: 'an InstructPix2Pix (8-channel)' };
      throw new WrongModelKindError(
        `${operation} needs ${what[needs]} model, but this is ${what[this.repo.kind]} model. With this model, use ${ALTERNATIVE[this.repo.kind]}.`,
      );
    }
  }

  /**
   * Chooses the working size by the resolution policy and pins the sessions
   * to it. A static-shape UNet (read from its session) overrides the policy:
   * the edit is framed to the graph's size.
   */
  private async frame(operation: Operation, image: RgbaImage, mask: Mask | undefined, req: EditRequest, params: ResolvedParams): Promise<Framing> {
    const f = this.repo.vaeScaleFactor;
    const model: ModelSizes = { vaeScaleFactor: f, nativeMultiple: sizeMultiple(this.repo), nativePixels: nativePixels(this.repo) };
    const options = {
      resolution: params.resolution,
      maxPixels: req.maxPixels ?? req.maxWorkingPixels ?? defaultMaxPixels(model.nativePixels),
      model,
      onlyMasked: params.onlyMasked && mask ? { mask, padding: params.onlyMaskedPadding } : undefined,
    };
    const chunks = guidanceChunks(operation === 'pix2pix', params.guidance, params.imageGuidance);
    // DiffEdit's batch changes between its stages: pin its sizes, not its batch.
    const unetBatch = operation === 'diffedit' ? undefined : chunks * params.count;
    const pin = (fr: Framing) =>
      this.components.pin({ width: fr.width, height: fr.height, unetBatch, sequence: this.repo.tokenizer.maxLength, vaeTiles: this.vaeTiling !== undefined });
    let framing: Framing | undefined;
    let refused: unknown;
    try {
      framing = frame(image, options);
      pin(framing);
    } catch (error) {
      // A static-shape model runs any input at its own size: ask it before refusing.
      if (!(error instanceof InvalidInputError)) throw error;
      refused = error;
    }
    // DiffEdit's mask stage runs 4 prompts per image at once.
    if (framing) {
      await this.checkFits(framing, unetBatch ?? 2 * chunks * params.count);
      pin(framing);
    }
    const fixed = await this.components.fixedLatentSize();
    if (fixed && (!framing || framing.width !== fixed.width * f || framing.height !== fixed.height * f)) {
      framing = frame(image, { ...options, model: { ...model, fixed: { width: fixed.width * f, height: fixed.height * f } } });
      pin(framing);
    }
    if (!framing) throw refused;
    return framing;
  }

  /** Fails before any session exists when the edit cannot fit the backend (see `pipelines/fit-check.ts`). */
  private async checkFits(framing: Framing, unetBatch: number): Promise<void> {
    const plan = await this.fit.check({ width: framing.width, height: framing.height, unetBatch, lowMemory: this.lowMemory }, this.vaeTilingChoice);
    this.capability = plan.summary;
    this.vaeTiling = plan.vaeTiling;
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
      case 'diffedit':
        return runDiffEdit({
          ...run,
          strength: params.strength,
          diffedit: params.diffedit!,
          tokenizer: this.repo.tokenizer,
          schedulerConfig: this.repo.schedulerConfig,
          latentMask: mask && latentMask(run, mask),
        });
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
