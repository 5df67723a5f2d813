/**
 * "Only masked area" as a default: on a large image with a small mask,
 * editing the whole image at the model's size leaves the masked part a few
 * blurry pixels; editing the box around the mask (plus padding) at full model
 * resolution keeps its detail (A1111's "Only masked", Krita's selection
 * context). Pure; the hosts call it when the mask changes.
 */
import { expandRect, maskBounds, type Mask, type Rect } from '../../core/image';
import type { ModelSizes } from '../../core/pipelines/resolution';
import { workingSizeLabel } from './working-size';

/** The box "only masked area" edits: the mask's bounds plus `padding`, inside the image; null without a mask. */
export function maskedRegion(mask: Mask, padding: number): Rect | null {
  const bounds = maskBounds(mask);
  return bounds && expandRect(bounds, padding, { width: mask.width, height: mask.height });
}

/** True when the image is larger than the model's area and the padded mask covers at most a quarter of it. */
export function prefersOnlyMasked(width: number, height: number, region: Rect | null, sizes: ModelSizes): boolean {
  return region !== null && width * height > sizes.nativePixels && region.width * region.height * 4 <= width * height;
}

/** The working-size line before Run: of the masked box when "only masked area" is on, else of the image. */
export function regionSizeLabel(width: number, height: number, region: Rect | null, onlyMasked: boolean, sizes: ModelSizes): string {
  if (onlyMasked && region) return `Only the masked area (${region.width}x${region.height} px with padding): ${workingSizeLabel(region.width, region.height, sizes)}`;
  return workingSizeLabel(width, height, sizes);
}
