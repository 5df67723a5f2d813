/**
 * The parameters of an edit, their defaults and their validation.
 */
import type { Mask, RgbaImage } from '../image';
import type { ProgressCallback } from '../jobs/progress';
import type { SchedulerName } from '../schedulers';
import type { NoiseSource } from '../tensor/noise';
import type { DiffEditOptions, ResolvedDiffEdit } from './diffedit';
import { DEFAULT_STRENGTH } from '../operations';
import { validateEditRequest } from './limits';
import type { MaskedContent } from './mask-edit';
import type { Resolution } from './resolution';

/** The five edits. */
export type Operation = 'inpaint' | 'mask-edit' | 'sdedit' | 'pix2pix' | 'diffedit';
export const OPERATIONS: readonly Operation[] = ['inpaint', 'mask-edit', 'sdedit', 'pix2pix', 'diffedit'];

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
  /**
   * The size the model runs at (see `resolution.ts`): `'input'` (default) the
   * image or only-masked region at its own size, rounded down to a multiple of
   * 8 px like diffusers; `'native'` the model's native area, keeping the aspect
   * ratio; `{ width, height }` exactly that (multiples of 8).
   */
  resolution?: Resolution;
  /**
   * Largest working area in pixels for `'input'` and explicit sizes (default
   * four times the model's native area). Larger is an InvalidInputError, never
   * a silent downscale.
   */
  maxPixels?: number;
  /** DiffEdit's source prompt and stage parameters (required for `diffedit`; `prompt` is the target). */
  diffedit?: DiffEditOptions;
  /** @deprecated Same as {@link maxPixels}. */
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
  resolution: Resolution;
  /** DiffEdit's parameters with defaults (`diffedit` only). */
  diffedit?: ResolvedDiffEdit;
}

/** Checks the request against `./limits` and fills defaults; throws `InvalidInputError` with a message for the designer. */
export function resolveParams(
  operation: Operation,
  req: EditRequest,
  defaultScheduler: SchedulerName,
  seed: number | null,
): ResolvedParams {
  validateEditRequest(operation, req);
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
    resolution: req.resolution ?? 'input',
  };
  return p;
}
