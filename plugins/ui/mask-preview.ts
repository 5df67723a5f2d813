/** The image with a mask tinted over it, for the panels' "before" views. Pure (no DOM). */
import type { Mask, RgbaImage } from '../../core/image';

/** The image with `mask` tinted red at half strength; the image itself when the sizes differ. */
export function withMask(image: RgbaImage, mask: Mask): RgbaImage {
  const data = new Uint8ClampedArray(image.data);
  if (mask.width !== image.width || mask.height !== image.height) return image;
  for (let i = 0; i < mask.data.length; i++) {
    const m = mask.data[i]! * 0.5;
    if (m <= 0) continue;
    data[i * 4] = data[i * 4]! * (1 - m) + 255 * m;
    data[i * 4 + 1] = data[i * 4 + 1]! * (1 - m);
    data[i * 4 + 2] = data[i * 4 + 2]! * (1 - m);
    data[i * 4 + 3] = Math.max(data[i * 4 + 3]!, 128);
  }
  return { width: image.width, height: image.height, data };
}
