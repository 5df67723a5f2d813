/**
 * Framing: from the user's image of any size to the model's working
 * resolution and back. The model only sees sizes that are multiples of its
 * size multiple, capped in area; results are restored to the input's exact
 * size and pasted back where they came from.
 */
import {
  cropMask,
  cropRgba,
  expandRect,
  maskBounds,
  resizeMask,
  resizeRgba,
  workingSize,
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
}

export interface FramingOptions {
  /** Model sizes must be multiples of this (VAE factor x UNet downsampling). */
  multiple: number;
  /** Area cap of the working resolution, in pixels. */
  maxPixels: number;
  /** Crop to the mask's bounding box plus `padding` px and edit that at full working resolution. */
  onlyMasked?: { mask: Mask; padding: number };
}

/** Chooses the region and working resolution for an image. */
export function frame(image: RgbaImage, options: FramingOptions): Framing {
  let region: Rect = { x: 0, y: 0, width: image.width, height: image.height };
  let upscale = false;
  if (options.onlyMasked) {
    const bounds = maskBounds(options.onlyMasked.mask);
    if (bounds) {
      region = expandRect(bounds, options.onlyMasked.padding, { width: image.width, height: image.height });
      // A small crop is edited at the model's full resolution: the point of
      // "only masked" is more pixels for the hole.
      upscale = true;
    }
  }
  const size = workingSize(region.width, region.height, {
    multiple: options.multiple,
    maxPixels: options.maxPixels,
    upscale,
  });
  return { region, width: size.width, height: size.height };
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
