/**
 * Every limit on an edit request, in one place, checked before any model runs.
 *
 * Each number has an upper bound because an unbounded one is a way to hang
 * or crash the host: `steps: 1e9` allocates a timestep array V8 cannot hold,
 * a 20000x20000 image is gigabytes before the first step. The editor checks
 * them through `resolveParams`; the CLI calls {@link validateEditRequest}
 * before it even loads the model, so a typo costs nothing.
 */
import { InvalidInputError, MAX_IMAGE_SIDE } from '../image';
import { MAX_SEED } from '../tensor/random';
import type { MaskedContent } from './mask-edit';
import type { EditRequest, Operation } from './request';

/** The bounds of each request field (inclusive). */
export const EDIT_LIMITS = {
  /** More steps than the 1000 training timesteps repeat timesteps and add nothing. */
  steps: { min: 1, max: 1000 },
  count: { min: 1, max: 16 },
  /** -1 (or no seed) means random. */
  seed: { min: 0, max: MAX_SEED },
  guidance: { min: 0, max: 100 },
  imageGuidance: { min: 0, max: 100 },
  /** Gaussian sigma in px; wider blurs are clamped to the image anyway. */
  maskBlur: { min: 0, max: 1024 },
  /** Grow (> 0) or shrink (< 0) in px. */
  maskGrow: { min: -4096, max: 4096 },
  onlyMaskedPadding: { min: 0, max: 4096 },
  /** Largest side of an input image or mask, in px. */
  imageSide: MAX_IMAGE_SIDE,
  /** Largest input image or mask area: 100 megapixels (400 MB as RGBA). */
  imagePixels: 100_000_000,
  /** Largest input file a host reads (images, masks, noise files): 1 GiB. */
  fileBytes: 1024 * 1024 * 1024,
} as const;

const MASKED_CONTENT: readonly MaskedContent[] = ['original', 'fill', 'latent-noise', 'latent-nothing'];

/**
 * Checks every field of `req` that is set (an unset or null field takes a
 * default that is always valid). Reads no model and no pixels beyond the image size.
 *
 * @throws {@link InvalidInputError} naming the field, its limits and the value given.
 */
export function validateEditRequest(_operation: Operation, req: Partial<EditRequest>): void {
  if (req.prompt != null && typeof req.prompt !== 'string') throw new InvalidInputError('The prompt must be text.');
  if (req.negativePrompt != null && typeof req.negativePrompt !== 'string') {
    throw new InvalidInputError('The negative prompt must be text.');
  }
  if (req.image) checkImageLimits(req.image.width, req.image.height, 'The image');
  if (req.mask) checkImageLimits(req.mask.width, req.mask.height, 'The mask');
  wholeNumber('Steps', req.steps, EDIT_LIMITS.steps);
  wholeNumber('The number of images', req.count, EDIT_LIMITS.count);
  if (req.seed !== -1 && req.seed !== null) wholeNumber('The seed', req.seed, EDIT_LIMITS.seed);
  if (req.strength != null && !(req.strength > 0 && req.strength <= 1)) {
    throw new InvalidInputError(`Strength must be above 0 and at most 1 (got ${req.strength}).`);
  }
  inRange('Image guidance', req.imageGuidance, EDIT_LIMITS.imageGuidance);
  inRange('Guidance', req.guidance, EDIT_LIMITS.guidance);
  if (req.eta != null && !(req.eta >= 0 && req.eta <= 1)) throw new InvalidInputError(`Eta must be between 0 and 1 (got ${req.eta}).`);
  inRange('Mask blur', req.maskBlur, EDIT_LIMITS.maskBlur, ' px');
  inRange('Mask grow', req.maskGrow, EDIT_LIMITS.maskGrow, ' px');
  inRange('Only-masked padding', req.onlyMaskedPadding, EDIT_LIMITS.onlyMaskedPadding, ' px');
  if (req.maskedContent != null && !MASKED_CONTENT.includes(req.maskedContent)) {
    throw new InvalidInputError(`Masked content must be one of ${MASKED_CONTENT.join(', ')} (got ${String(req.maskedContent)}).`);
  }
}

/**
 * Refuses an image size over {@link EDIT_LIMITS}: use it on the size a file's
 * header declares, before decoding the pixels.
 */
export function checkImageLimits(width: number, height: number, what: string): void {
  const side = EDIT_LIMITS.imageSide;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 1 && height >= 1)) {
    throw new InvalidInputError(`${what} has no pixels (${width}x${height}).`);
  }
  if (width > side || height > side || width * height > EDIT_LIMITS.imagePixels) {
    throw new InvalidInputError(
      `${what} is ${width}x${height} px, larger than Stipple takes (at most ${side} px a side and ${EDIT_LIMITS.imagePixels / 1e6} megapixels). Scale it down and try again.`,
    );
  }
}

function wholeNumber(name: string, v: unknown, { min, max }: { min: number; max: number }): void {
  if (v === undefined || v === null) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new InvalidInputError(`${name} must be a whole number from ${min} to ${max} (got ${String(v)}).`);
  }
}

function inRange(name: string, v: unknown, { min, max }: { min: number; max: number }, unit = ''): void {
  if (v === undefined || v === null) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new InvalidInputError(`${name} must be a number from ${min}${unit} to ${max}${unit} (got ${String(v)}).`);
  }
}
