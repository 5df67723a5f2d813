/**
 * The panel's edit parameters: defaults, which controls each edit uses, and
 * the request they turn into. Pure (no DOM, no Preact).
 */
import type { EditRequest, Operation, ResolvedParams } from '../../core/pipelines/request';
import type { ModelSizes } from '../../core/pipelines/resolution';
import { DEFAULT_STRENGTH, needsMask, OPERATION_LABELS } from '../../core/operations';
import { panelResolution } from './working-size';
import type { MaskedContent } from '../../core/pipelines/mask-edit';
import type { SchedulerName } from '../../core/schedulers/types';

/** Everything the panel lets the user set. */
export interface PanelParams {
  operation: Operation;
  prompt: string;
  /** DiffEdit only: what the image shows now (`prompt` is what it should show). */
  sourcePrompt: string;
  /** DiffEdit only: noised copies averaged into the found area (core's `maskMaps`). */
  maskMaps: number;
  /** DiffEdit only: the area threshold ratio (core's `maskThreshold`); lower marks more. */
  maskThreshold: number;
  negativePrompt: string;
  steps: number;
  /** In (0, 1]; not used by pix2pix. */
  strength: number;
  guidance: number;
  /** pix2pix only. */
  imageGuidance: number;
  seed: number;
  /** Locked: every run uses `seed`. Unlocked: a new random seed per run. */
  seedLocked: boolean;
  /** `''` = the model's own scheduler. */
  scheduler: SchedulerName | '';
  /** Variants per run. */
  count: number;
  /** Mask feather (core's `maskBlur`, Gaussian sigma in px). */
  maskBlur: number;
  /** Mask grow (> 0) or shrink (< 0), px. */
  maskGrow: number;
  onlyMasked: boolean;
  onlyMaskedPadding: number;
  /** mask-edit only. */
  maskedContent: MaskedContent;
}

// Labels and default strengths come from core's one operation table.
export { DEFAULT_STRENGTH, OPERATION_LABELS };

export const OPERATION_HINTS: Readonly<Record<Operation, string>> = {
  inpaint: 'Repaints the masked area. Needs an inpainting model.',
  'mask-edit': 'Regenerates only the masked area, with any plain model.',
  sdedit: 'Re-imagines the whole image at a strength. The mask, if any, limits where it changes.',
  pix2pix: 'Edits by instruction ("make it winter"). Needs an InstructPix2Pix model.',
  diffedit: 'Say what the image shows and what it should show; the area to change is found for you (DiffEdit). Any plain model.',
};

export const MASKED_CONTENT_LABELS: Readonly<Record<MaskedContent, string>> = {
  original: 'Original pixels',
  fill: 'Filled from the surroundings',
  'latent-noise': 'Noise',
  'latent-nothing': 'Nothing (grey)',
};

/** Which controls matter for an edit. */
export interface ControlSet {
  strength: boolean;
  imageGuidance: boolean;
  maskedContent: boolean;
  /** The mask is required (inpaint, mask-edit) rather than optional. */
  maskRequired: boolean;
  /** What the prompt is called: an instruction for pix2pix, the target for DiffEdit. */
  promptLabel: string;
  /** DiffEdit: a second prompt for what the image shows now. */
  sourcePrompt: boolean;
}

export function controlsFor(op: Operation): ControlSet {
  return {
    strength: op !== 'pix2pix',
    imageGuidance: op === 'pix2pix',
    maskedContent: op === 'mask-edit',
    maskRequired: needsMask(op),
    promptLabel: op === 'pix2pix' ? 'Instruction' : op === 'diffedit' ? 'What it should show' : 'Prompt',
    sourcePrompt: op === 'diffedit',
  };
}

export function defaultParams(operation: Operation = 'inpaint', seed = randomSeed()): PanelParams {
  return {
    operation,
    prompt: '',
    sourcePrompt: '',
    maskMaps: 10,
    maskThreshold: 3,
    negativePrompt: '',
    steps: 20,
    strength: DEFAULT_STRENGTH[operation],
    guidance: 7.5,
    imageGuidance: 1.5,
    seed,
    seedLocked: false,
    scheduler: '',
    count: 1,
    maskBlur: 4,
    maskGrow: 0,
    onlyMasked: false,
    onlyMaskedPadding: 32,
    maskedContent: 'original',
  };
}

/** Switches the edit; a strength left at the old edit's default moves to the new one's. */
export function withOperation(p: PanelParams, operation: Operation): PanelParams {
  if (p.operation === operation) return p;
  const strength = p.strength === DEFAULT_STRENGTH[p.operation] ? DEFAULT_STRENGTH[operation] : p.strength;
  return { ...p, operation, strength };
}

/** A random seed in [0, 2^32). */
export function randomSeed(): number {
  const c = globalThis.crypto;
  if (c?.getRandomValues) return c.getRandomValues(new Uint32Array(1))[0]!;
  return Math.floor(Math.random() * 0x100000000);
}

/** The parameters one run uses: an unlocked seed is redrawn first. */
export function paramsForRun(p: PanelParams, nextSeed: () => number = randomSeed): PanelParams {
  return p.seedLocked ? p : { ...p, seed: nextSeed() };
}

/** What the engine gets (the host adds image, mask, signal and progress). */
export type ParamsRequest = Omit<EditRequest, 'image' | 'mask' | 'signal' | 'onProgress' | 'noise'>;

/**
 * `source`: the image the run edits and the model's sizes; the request then
 * asks for the panels' resolution (see `working-size.ts`).
 */
export function toRequest(p: PanelParams, source?: { width: number; height: number; sizes: ModelSizes }): ParamsRequest {
  const c = controlsFor(p.operation);
  const req: ParamsRequest = {
    prompt: p.prompt,
    negativePrompt: p.negativePrompt,
    steps: p.steps,
    guidance: p.guidance,
    seed: p.seed,
    count: p.count,
    maskBlur: p.maskBlur,
    maskGrow: p.maskGrow,
    onlyMasked: p.onlyMasked,
    onlyMaskedPadding: p.onlyMaskedPadding,
  };
  if (c.strength) req.strength = p.strength;
  if (c.imageGuidance) req.imageGuidance = p.imageGuidance;
  if (c.maskedContent) req.maskedContent = p.maskedContent;
  if (p.scheduler) req.scheduler = p.scheduler;
  if (source) req.resolution = panelResolution(source.width, source.height, source.sizes);
  if (c.sourcePrompt) {
    req.diffedit = { sourcePrompt: p.sourcePrompt, maskMaps: p.maskMaps, maskThreshold: p.maskThreshold };
    // DiffEdit's edit negative defaults to the source prompt; an empty field keeps that default.
    if (p.negativePrompt === '') delete req.negativePrompt;
    // DiffEdit samples with DDIM; the model's own scheduler does not apply.
    if (req.scheduler !== 'ddim') delete req.scheduler;
  }
  return req;
}

/** The panel parameters that reproduce a result (from its metadata), keeping the panel's seed lock. */
export function paramsFromResult(operation: Operation, r: ResolvedParams, current: PanelParams): PanelParams {
  return {
    ...current,
    operation,
    prompt: r.prompt,
    sourcePrompt: r.diffedit?.sourcePrompt ?? current.sourcePrompt,
    maskMaps: r.diffedit?.maskMaps ?? current.maskMaps,
    maskThreshold: r.diffedit?.maskThreshold ?? current.maskThreshold,
    negativePrompt: r.diffedit && r.negativePrompt === r.diffedit.sourcePrompt ? '' : r.negativePrompt,
    steps: r.steps,
    strength: r.strength,
    guidance: r.guidance,
    imageGuidance: r.imageGuidance,
    seed: r.seed ?? current.seed,
    seedLocked: true,
    scheduler: r.scheduler,
    count: r.count,
    maskBlur: r.maskBlur,
    maskGrow: r.maskGrow,
    onlyMasked: r.onlyMasked,
    onlyMaskedPadding: r.onlyMaskedPadding,
    maskedContent: r.maskedContent,
  };
}

/** Problems that stop a run, in words for the designer (empty when it can run). */
export function validate(p: PanelParams, operations: readonly Operation[]): string[] {
  const out: string[] = [];
  if (operations.length > 0 && !operations.includes(p.operation)) {
    out.push(`The loaded model cannot run ${OPERATION_LABELS[p.operation]}: pick ${operations.map((o) => OPERATION_LABELS[o]).join(' or ')}.`);
  }
  if (controlsFor(p.operation).sourcePrompt) {
    if (p.sourcePrompt.trim() === '') out.push('Describe what the image shows now.');
    if (!Number.isInteger(p.maskMaps) || p.maskMaps < 1 || p.maskMaps > 64) out.push('Area samples must be a whole number from 1 to 64.');
    if (!(p.maskThreshold > 0)) out.push('The area threshold must be above 0.');
  }
  if (!Number.isInteger(p.steps) || p.steps < 1 || p.steps > 1000) out.push('Steps must be a whole number from 1 to 1000.');
  if (controlsFor(p.operation).strength && !(p.strength > 0 && p.strength <= 1)) out.push('Strength must be above 0 and at most 1.');
  if (!(p.guidance >= 0)) out.push('Guidance must be 0 or more.');
  if (!(p.imageGuidance >= 0)) out.push('Image guidance must be 0 or more.');
  if (!Number.isSafeInteger(p.seed) || p.seed < 0) out.push('The seed must be a whole number of 0 or more.');
  if (!Number.isInteger(p.count) || p.count < 1 || p.count > 16) out.push('Variants must be from 1 to 16.');
  if (!(p.maskBlur >= 0) || !(p.onlyMaskedPadding >= 0)) out.push('Feather and padding must be 0 px or more.');
  if (!Number.isFinite(p.maskGrow)) out.push('Grow must be a number of px.');
  return out;
}
