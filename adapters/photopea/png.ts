/**
 * PNG in and out of the plugin page.
 *
 * Encoding is exact and needs no canvas: 8-bit RGBA, filter 0 on every
 * row, deflated with the platform's `CompressionStream('deflate')` (the
 * zlib format PNG's IDAT holds; Chromium, Firefox, Safari and Node >= 18 all
 * have it). A canvas round trip would premultiply alpha and could change
 * semi-transparent pixels.
 *
 * Decoding uses the browser (`createImageBitmap`, then a canvas' pixels),
 * which can crop while it decodes, so a huge document's PNG never becomes a
 * full-size RGBA buffer in JavaScript. Node tests inject their own decoder.
 */
import { bytesToBase64, ImageFormatError, type Rect, type RgbaImage } from '../../core/image';

/** Turns the PNG bytes Photopea sends into pixels, optionally only the `crop` rectangle. */
export type PngDecoder = (png: ArrayBuffer, crop?: Rect) => Promise<RgbaImage>;

const SIGNATURE = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);

let crcTable: Uint32Array | null = null;

function crc32(bytes: Uint8Array, start: number, end: number): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

async function deflate(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** `image` as PNG bytes (8-bit RGBA, exact). */
export async function encodePng(image: RgbaImage): Promise<Uint8Array> {
  const { width, height, data } = image;
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const stride = width * 4;
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) raw.set(data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const parts = [SIGNATURE, chunk('IHDR', header), chunk('IDAT', await deflate(raw)), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** `bytes` as a `data:image/png;base64,...` URL. */
export function pngDataUrl(bytes: Uint8Array): string {
  return `data:image/png;base64,${bytesToBase64(bytes)}`;
}

/**
 * The browser's PNG decoder: `createImageBitmap` (no premultiplication, no
 * colour conversion), cropped to `crop` while decoding, read back through an
 * OffscreenCanvas.
 */
export const browserDecodePng: PngDecoder = async (png, crop) => {
  let bitmap: ImageBitmap;
  const blob = new Blob([png], { type: 'image/png' });
  const opts: ImageBitmapOptions = { premultiplyAlpha: 'none', colorSpaceConversion: 'none' };
  try {
    bitmap = crop ? await createImageBitmap(blob, crop.x, crop.y, crop.width, crop.height, opts) : await createImageBitmap(blob, opts);
  } catch (cause) {
    throw new ImageFormatError('The image Photopea sent', 'the browser could not decode it', { cause });
  }
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new ImageFormatError('The image Photopea sent', 'no 2D canvas to read it through');
    ctx.drawImage(bitmap, 0, 0);
    const pixels = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
    return { width: pixels.width, height: pixels.height, data: pixels.data };
  } finally {
    bitmap.close();
  }
};
