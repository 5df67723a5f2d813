/**
 * Framing: from the user's image of any size to the model's working
 * resolution and back. The working size comes from the resolution policy
 * (`resolution.ts`); results are restored to the input's exact size and
 * pasted back where they came from.
 */
import { chooseWorkingSize, type ModelSizes, type Resolution } from './resolution';
import {
  cropMask,
  cropRgba,
  expandRect,
  maskBounds,
  resizeMask,
  resizeRgba,
  type Mask,
  type RgbaImage,
} from '../image';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Framing {
  /** Area of the input the model edits (the whole image, or the box around the mask for "only masked"). */
  region: Rect;
  /** Model resolution the region is resized to. */
  width: number;
  height: number;
  /** Why the working size differs from the region's, for the user; absent when it does not. */
  note?: string;
}

export interface FramingOptions {
  resolution: Resolution;
  /** Largest working area `input` and explicit sizes may ask for, in pixels. */
  maxPixels: number;
  model: ModelSizes;
  /** Crop to the mask's bounding box plus `padding` px and edit that region. */
  onlyMasked?: { mask: Mask; padding: number };
}

/** Chooses the region and working resolution for an image. */
export function frame(image: RgbaImage, options: FramingOptions): Framing {
  let region: Rect = { x: 0, y: 0, width: image.width, height: image.height };
  if (options.onlyMasked) {
    const bounds = maskBounds(options.onlyMasked.mask);
    if (bounds) region = expandRect(bounds, options.onlyMasked.padding, { width: image.width, height: image.height });
  }
  const size = chooseWorkingSize(region.width, region.height, options.resolution, options.maxPixels, options.model);
  return { region, ...size };
}

/** The region of `image` at working resolution. */
export function toWorkingImage(image: RgbaImage, f: Framing): RgbaImage {
  const crop = isWhole(image, f.region) ? image : cropRgba(image, f.region);
  return crop.width === f.width && crop.height === f.height ? crop : resizeRgba(crop, f.width, f.height, 'lanczos');
}

/** The region of `mask` at working resolution (soft; binarise before the model sees it). */
export function toWorkingMask(mask: Mask, f: Framing): Mask {
  const crop = isWhole(mask, f.region) ? mask : cropMask(mask, f.region);
  return crop.width === f.width && crop.height === f.height ? crop : resizeMask(crop, f.width, f.height, 'bilinear');
}

/** A working-resolution result back at the region's size in input pixels. */
export function fromWorkingImage(result: RgbaImage, f: Framing): RgbaImage {
  const { width, height } = f.region;
  return result.width === width && result.height === height ? result : resizeRgba(result, width, height, 'lanczos');
}

function isWhole(image: { width: number; height: number }, r: Rect): boolean {
  return r.x === 0 && r.y === 0 && r.width === image.width && r.height === image.height;
}
