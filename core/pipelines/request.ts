/**
 * The parameters of an edit, their defaults and their validation.
 */
import { InvalidInputError, type Mask, type RgbaImage } from '../image';
import type { ProgressCallback } from '../jobs/progress';
import type { SchedulerName } from '../schedulers';
import type { NoiseSource } from '../tensor/noise';
import type { MaskedContent } from './mask-edit';

/** The four edits. */
export type Operation = 'inpaint' | 'mask-edit' | 'sdedit' | 'pix2pix';
export const OPERATIONS: readonly Operation[] = ['inpaint', 'mask-edit', 'sdedit', 'pix2pix'];

/** Everything an edit takes. Only `image` and `prompt` (and `mask` for the masked edits) are required. */
export interface EditRequest {
  image: RgbaImage;
  /** Coverage in [0, 1], 1 = repaint. Required for `inpaint` and `mask-edit`; for the others it limits where the result is composited. */
  mask?: Mask;
  prompt: string;
  negativePrompt?: string;
  /** Denoising steps before strength is applied (default 25). */
  steps?: number;
  /** In (0, 1]: how far the image is noised (defaults: inpaint 1, mask-edit 0.75, sdedit 0.6). Not used by pix2pix. */
  strength?: number;
  /** Classifier-free guidance scale; on when > 1 (default 7.5). */
  guidance?: number;
  /** InstructPix2Pix image guidance; on when >= 1 together with guidance > 1 (default 1.5). */
  imageGuidance?: number;
  /** Scheduler by name; default: the model's own scheduler config. */
  scheduler?: SchedulerName;
  /** DDIM eta (default 0). */
  eta?: number;
  /** Images per call (default 1). */
  count?: number;
  /** Seed of the run's noise; random (and reported) when omitted. */
  seed?: number;
  /** Replaces the seeded noise, e.g. with noise recorded from diffusers. */
  noise?: NoiseSource;
  /** Feather width of the composite at the mask's edge, in px (default 4). */
  maskBlur?: number;
  /** Grow (> 0) or shrink (< 0) the mask, in px, before anything else (default 0). */
  maskGrow?: number;
  /** Edit only a box around the mask, at full working resolution, and paste it back. */
  onlyMasked?: boolean;
  /** Context around the mask for `onlyMasked`, in px (default 32). */
  onlyMaskedPadding?: number;
  /** What the masked area starts from in `mask-edit` (default 'original'). */
  maskedContent?: MaskedContent;
  /** Cap of the working resolution's area in pixels (default: the model's native area). */
  maxWorkingPixels?: number;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
  /** Emit a latent preview every N steps (default 0 = never). */
  previewEvery?: number;
  /**
   * `fast`: encode and decode with the engine's TAESD when it has one (live
   * runs; softer, much quicker), else the full VAE. Default `full`.
   */
  vae?: 'full' | 'fast';
}

/** The request with every default filled in: what result metadata records. */
export interface ResolvedParams {
  prompt: string;
  negativePrompt: string;
  steps: number;
  strength: number;
  guidance: number;
  imageGuidance: number;
  scheduler: SchedulerName;
  eta: number;
  count: number;
  seed: number | null;
  maskBlur: number;
  maskGrow: number;
  onlyMasked: boolean;
  onlyMaskedPadding: number;
  maskedContent: MaskedContent;
}

const MASKED_CONTENT: readonly MaskedContent[] = ['original', 'fill', 'latent-noise', 'latent-nothing'];

const DEFAULT_STRENGTH: Record<Operation, number> = { inpaint: 1, 'mask-edit': 0.75, sdedit: 0.6, pix2pix: 1 };

/** Fills defaults and checks ranges; throws {@link InvalidInputError} with a message for the designer. */
export function resolveParams(
  operation: Operation,
  req: EditRequest,
  defaultScheduler: SchedulerName,
  seed: number | null,
): ResolvedParams {
  const p: ResolvedParams = {
    prompt: req.prompt ?? '',
    negativePrompt: req.negativePrompt ?? '',
    steps: req.steps ?? 25,
    strength: req.strength ?? DEFAULT_STRENGTH[operation],
    guidance: req.guidance ?? 7.5,
    imageGuidance: req.imageGuidance ?? 1.5,
    scheduler: req.scheduler ?? defaultScheduler,
    eta: req.eta ?? 0,
    count: req.count ?? 1,
    seed,
    maskBlur: req.maskBlur ?? 4,
    maskGrow: req.maskGrow ?? 0,
    onlyMasked: req.onlyMasked ?? false,
    onlyMaskedPadding: req.onlyMaskedPadding ?? 32,
    maskedContent: req.maskedContent ?? 'original',
  };
  if (typeof p.prompt !== 'string') throw new InvalidInputError('The prompt must be text.');
  if (!Number.isInteger(p.steps) || p.steps < 1) {
    throw new InvalidInputError(`Steps must be a whole number of at least 1 (got ${p.steps}).`);
  }
  if (!(p.strength > 0 && p.strength <= 1)) {
    throw new InvalidInputError(`Strength must be above 0 and at most 1 (got ${p.strength}).`);
  }
  if (!Number.isFinite(p.guidance) || p.guidance < 0) {
    throw new InvalidInputError(`Guidance must be a number of at least 0 (got ${p.guidance}).`);
  }
  if (!Number.isFinite(p.imageGuidance) || p.imageGuidance < 0) {
    throw new InvalidInputError(`Image guidance must be a number of at least 0 (got ${p.imageGuidance}).`);
  }
  if (!Number.isInteger(p.count) || p.count < 1 || p.count > 16) {
    throw new InvalidInputError(`The number of images must be between 1 and 16 (got ${p.count}).`);
  }
  if (!(p.eta >= 0 && p.eta <= 1)) throw new InvalidInputError(`Eta must be between 0 and 1 (got ${p.eta}).`);
  for (const [name, v] of [
    ['Mask blur', p.maskBlur],
    ['Only-masked padding', p.onlyMaskedPadding],
  ] as const) {
    if (!Number.isFinite(v) || v < 0) throw new InvalidInputError(`${name} must be 0 px or more (got ${v}).`);
  }
  if (!MASKED_CONTENT.includes(p.maskedContent)) {
    throw new InvalidInputError(`Masked content must be one of ${MASKED_CONTENT.join(', ')} (got ${p.maskedContent}).`);
  }
  if (!Number.isFinite(p.maskGrow)) throw new InvalidInputError(`Mask grow must be a number of px (got ${p.maskGrow}).`);
  return p;
}
