/**
 * PNG decoding and encoding with the browser's own codecs (the panel page;
 * also works in a Worker). Exact for opaque pixels: no colour conversion, no
 * premultiplication on decode.
 */
import type { RgbaImage } from '../../core/image';
import type { PixelCodec } from './session';

export function browserCodec(): PixelCodec {
  return {
    async decode(png) {
      const bitmap = await createImageBitmap(new Blob([png as Uint8Array<ArrayBuffer>], { type: 'image/png' }), {
        colorSpaceConversion: 'none',
        premultiplyAlpha: 'none',
      });
      try {
        const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
        const ctx = canvas.getContext('2d', { willReadFrequently: true });
        if (!ctx) throw new Error('No 2D canvas in this browser.');
        ctx.drawImage(bitmap, 0, 0);
        const d = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
        return { width: d.width, height: d.height, data: d.data };
      } finally {
        bitmap.close();
      }
    },
    async encode(image: RgbaImage) {
      const canvas = new OffscreenCanvas(image.width, image.height);
      const ctx = canvas.getContext('2d');
      if (!ctx) throw new Error('No 2D canvas in this browser.');
      ctx.putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
      const blob = await canvas.convertToBlob({ type: 'image/png' });
      return new Uint8Array(await blob.arrayBuffer());
    },
  };
}
