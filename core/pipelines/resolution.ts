/**
 * The resolution policy: at what size the model runs an edit. Nothing is
 * scaled unless the policy says so; an over-large input is an error that
 * names the options, never a silent downscale.
 *
 * - `input` (default): the image, or the only-masked region, at its own size
 *   rounded down to a multiple of the VAE factor, as diffusers'
 *   `VaeImageProcessor` does (`get_default_height_width`, then a resize of the
 *   few leftover pixels). An image that already is a multiple of 8 reaches the
 *   VAE untouched.
 * - `native`: scaled to the model's native area (512x512 for SD 1.x), keeping
 *   the aspect ratio, as Krita and A1111 do for large selections.
 * - `{ width, height }`: exactly that size (multiples of the VAE factor).
 *
 * A graph with fixed spatial dimensions (static-shape web exports) overrides
 * all three: it can run only at its own size.
 */
import { InvalidInputError, workingSize } from '../image';

/** How the working size of an edit is chosen; see the module notes. */
export type Resolution = 'input' | 'native' | { width: number; height: number };

export const RESOLUTIONS = ['input', 'native'] as const;

/** What the policy needs to know about the model. */
export interface ModelSizes {
  /** Pixels per latent pixel (8 for SD): `input` and explicit sizes are multiples of it. */
  vaeScaleFactor: number;
  /**
   * Every working side must divide by this: the VAE factor times the UNet's
   * downsampling (16 for the tiny fixtures, 64 for SD 1.x). ONNX UNets traced
   * at even latent sizes fail at others.
   */
  nativeMultiple: number;
  /** The area the model was trained at. */
  nativePixels: number;
  /** Set when the graphs pin the working size (static-shape exports). */
  fixed?: { width: number; height: number };
}

/** The chosen working size, and why it differs from the region's, when it does. */
export interface WorkingSize {
  width: number;
  height: number;
  /** For the user: why the model ran at another size than the region's (absent when only rounded to the VAE factor). */
  note?: string;
}

/** Default `maxPixels`: four times the model's native area (1024x1024 for SD 1.x). */
export function defaultMaxPixels(nativePixels: number): number {
  return 4 * nativePixels;
}

/**
 * The working size for a region of `width x height` input pixels.
 *
 * @throws {InvalidInputError} for an unknown policy, an explicit size that is
 *   not a positive multiple of the VAE factor, a region smaller than one
 *   latent pixel, or a working area above `maxPixels`.
 */
export function chooseWorkingSize(
  width: number,
  height: number,
  resolution: Resolution,
  maxPixels: number,
  model: ModelSizes,
): WorkingSize {
  const f = model.vaeScaleFactor;
  if (!(maxPixels > 0)) throw new InvalidInputError(`maxPixels must be a number of pixels above 0 (got ${maxPixels}).`);
  if (model.fixed) {
    const { width: fw, height: fh } = model.fixed;
    const asked = typeof resolution === 'object' && resolution !== null && (resolution.width !== fw || resolution.height !== fh);
    if (asked) {
      const note = `This model's files are exported for one size only: it ran at ${fw}x${fh}, not the requested ${resolution.width}x${resolution.height}.`;
      return { width: fw, height: fh, note };
    }
    if (fw === width && fh === height) return { width: fw, height: fh };
    return {
      width: fw,
      height: fh,
      note: `This model's files are exported for one size only: it ran at ${fw}x${fh}, and the ${width}x${height} result was scaled back.`,
    };
  }
  if (resolution === 'native') {
    const s = workingSize(width, height, { multiple: model.nativeMultiple, maxPixels: model.nativePixels, upscale: true });
    if (s.width === width && s.height === height) return { width, height };
    return {
      width: s.width,
      height: s.height,
      note: `The model ran at ${s.width}x${s.height} (its native size); the result was scaled back to ${width}x${height}.`,
    };
  }
  const m = model.nativeMultiple;
  let size: { width: number; height: number };
  let why: string;
  if (resolution === 'input') {
    size = { width: Math.floor(width / f) * f, height: Math.floor(height / f) * f };
    why = `The model works on multiples of ${f} px: it ran at`;
    if (size.width === 0 || size.height === 0) {
      throw new InvalidInputError(
        `The area to edit is ${width}x${height} px; the model needs at least ${f}x${f}. Use a larger area or resolution 'native'.`,
      );
    }
    if (size.width % m !== 0 || size.height % m !== 0) {
      // diffusers' torch UNet interpolates odd latent sizes back up; an ONNX
      // export traced at even sizes cannot, so its sides must divide by m.
      size = { width: Math.max(m, Math.floor(size.width / m) * m), height: Math.max(m, Math.floor(size.height / m) * m) };
      why = `This model's UNet needs sides that are multiples of ${m} px: it ran at`;
    }
  } else if (typeof resolution === 'object' && resolution !== null) {
    const { width: w, height: h } = resolution;
    if (!(Number.isInteger(w) && Number.isInteger(h) && w >= f && h >= f && w % f === 0 && h % f === 0)) {
      throw new InvalidInputError(`The working size must be whole multiples of ${f} px, at least ${f}x${f} (got ${w}x${h}).`);
    }
    if (w % m !== 0 || h % m !== 0) {
      throw new InvalidInputError(`This model's UNet needs a working size in multiples of ${m} px (got ${w}x${h}).`);
    }
    size = { width: w, height: h };
    why = 'The model ran at the requested';
  } else {
    throw new InvalidInputError(`Resolution must be 'input', 'native' or { width, height } (got ${JSON.stringify(resolution)}).`);
  }
  if (size.width * size.height > maxPixels) {
    throw new InvalidInputError(
      `The area to edit is ${width}x${height} px; running it at ${size.width}x${size.height} (${megapixels(size.width * size.height)}) is more than this model allows ` +
        `(maxPixels ${maxPixels}, ${megapixels(maxPixels)}). Use resolution 'native' to run at the model's native size and ` +
        `scale back, choose a smaller width and height, edit a smaller area, or raise maxPixels.`,
    );
  }
  if (size.width === width && size.height === height) return size;
  return { ...size, note: `${why} ${size.width}x${size.height}, and the result was scaled back to ${width}x${height}.` };
}

function megapixels(pixels: number): string {
  return `${(pixels / 1e6).toFixed(2)} MP`;
}
