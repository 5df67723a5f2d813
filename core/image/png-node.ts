/**
 * PNG files <-> {@link RgbaImage} in Node (CLI, tests), through pngjs.
 *
 * The one Node-specific file of `core/image`: it uses `Buffer`, so
 * `core/image/index.ts` does not export it and browser code never imports it
 * (browsers decode with `createImageBitmap` / `getImageData`, which read back
 * exactly). Import it directly: `import { decodePng } from 'stipple/core/image/png-node'`.
 */
import { PNG } from 'pngjs';
import { errorMessage } from '../errors';
import { ImageFormatError } from './errors';
import { assertRgba, type RgbaImage } from './types';

const PNG_SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10] as const;

/** True when `bytes` start with the 8-byte PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  if (bytes.length < PNG_SIGNATURE.length) return false;
  return PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

/**
 * Decodes a PNG of any colour type and bit depth (gray, gray+alpha, RGB, RGBA,
 * palette with or without tRNS, 1/2/4/8/16 bits, interlaced) to 8-bit RGBA.
 * 16-bit samples are scaled with rounding (`round(v * 255 / 65535)`); a tRNS
 * colour key becomes alpha 0. Gamma/ICC chunks are ignored, as diffusers
 * (PIL) ignores them.
 *
 * @param name what to call the bytes in an error message (file name).
 * @throws {@link ImageFormatError} when the bytes are not a PNG, or are truncated or corrupt.
 */
export function decodePng(bytes: Uint8Array, name = 'The image'): RgbaImage {
  if (!isPng(bytes)) {
    throw new ImageFormatError(name, looksLike(bytes));
  }
  let png: PNG;
  try {
    // A view, not a copy: pngjs only reads.
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    const detail = errorMessage(e);
    throw new ImageFormatError(name, `the PNG data is truncated or corrupt: ${detail}`, { cause: e });
  }
  const { width, height } = png;
  if (!(width > 0 && height > 0) || png.data.length !== width * height * 4) {
    throw new ImageFormatError(name, 'the PNG data is truncated or corrupt');
  }
  // Copy into a Uint8ClampedArray that owns its buffer (pngjs' Buffer may be a pool slice).
  const data = new Uint8ClampedArray(width * height * 4);
  data.set(png.data);
  return { width, height, data };
}

/**
 * Encodes an image as an 8-bit PNG: RGB when every pixel is opaque (the
 * smaller file, and what diffusers writes), RGBA otherwise.
 */
export function encodePng(img: RgbaImage): Uint8Array {
  assertRgba(img);
  let opaque = true;
  for (let i = 3; i < img.data.length; i += 4) {
    if (img.data[i] !== 255) {
      opaque = false;
      break;
    }
  }
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  const out = PNG.sync.write(png, { colorType: opaque ? 2 : 6, inputColorType: 6, inputHasAlpha: true, bitDepth: 8 });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** A short guess at what the bytes are, so the error tells a JPEG from garbage. */
function looksLike(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'the file is empty';
  const b = (i: number): number => bytes[i] ?? -1;
  if (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return 'it is a JPEG';
  if (b(0) === 0x47 && b(1) === 0x49 && b(2) === 0x46) return 'it is a GIF';
  if (b(0) === 0x52 && b(1) === 0x49 && b(2) === 0x46 && b(3) === 0x46 && b(8) === 0x57 && b(9) === 0x45) return 'it is a WebP';
  if (b(0) === 0x42 && b(1) === 0x4d) return 'it is a BMP';
  if (b(4) === 0x66 && b(5) === 0x74 && b(6) === 0x79 && b(7) === 0x70) return 'it is a HEIC/AVIF';
  if (b(0) === 0x3c) return 'it looks like text or SVG';
  return 'it does not start with the PNG signature';
}
