/**
 * Images and masks: types, mask operations, resampling, framing geometry,
 * compositing, hole filling, tensor conversion and latent previews. Pure
 * TypeScript on typed arrays: runs in browsers, Workers and Node.
 *
 * PNG files are decoded in Node by `./png-node` (not exported here: it needs
 * Node's Buffer); browsers use `createImageBitmap` / `getImageData`.
 */
export { ImageFormatError, InvalidInputError } from './errors';
export type { Mask, Rect, RgbaImage, Size } from './types';
export {
  assertMask,
  assertRgba,
  assertSameSize,
  assertSize,
  cloneMask,
  cloneRgba,
  createMask,
  createRgba,
  MAX_IMAGE_SIDE,
} from './types';
export { binarize, clampMask, invert, isEmpty, isFull, maskBounds, maskFromImage, maskToImage } from './mask';
export { growMask, shrinkMask } from './morphology';
export { blurMask, featherMask } from './feather';
export type { ResizeFilter } from './resize';
export { nearestResizeMaskToLatent, resizeMask, resizeRgba, torchNearestIndices } from './resize';
export type { WorkingSize, WorkingSizeOptions } from './geometry';
export { cropMask, cropRect, cropRgba, expandRect, pasteRgba, workingSize } from './geometry';
export type { CompositeOptions } from './composite';
export { compositeMasked } from './composite';
export { fillHoleTelea } from './fill';
export { bytesToBase64 } from './base64';
export { maskedImageNchw, maskToNchw, nchwToNhwc01, nchwToRgba, nhwc01ToRgba, rgbaToNchw } from './convert';
export type { PreviewOptions } from './preview';
export { latentsToPreview, SD1_LATENT_RGB_FACTORS } from './preview';
