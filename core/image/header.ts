/**
 * Width and height read from an image file's header, without decoding it.
 *
 * A 45-byte PNG can declare 20000x20000 pixels; decoding it first would
 * allocate gigabytes before any size check could run. Reading the header
 * lets the caller refuse such a file while it is still a few bytes.
 */
import type { Size } from './types';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;

/**
 * The size a PNG (IHDR) or JPEG (first SOFn marker) declares, or null when the
 * bytes are neither or the header is cut short. Reads only the header bytes.
 */
export function declaredImageSize(bytes: Uint8Array): Size | null {
  return pngHeaderSize(bytes) ?? jpegHeaderSize(bytes);
}

function pngHeaderSize(bytes: Uint8Array): Size | null {
  if (bytes.length < 24 || !PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return null;
  // IHDR is always the first chunk: length(4) type(4) width(4) height(4).
  if (bytes[12] !== 0x49 || bytes[13] !== 0x48 || bytes[14] !== 0x44 || bytes[15] !== 0x52) return null;
  return { width: u32be(bytes, 16), height: u32be(bytes, 20) };
}

function jpegHeaderSize(bytes: Uint8Array): Size | null {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  let at = 2;
  // Walk the marker segments up to the first start-of-frame; each is 0xFF, marker, 2-byte length.
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    const length = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (at + 9 > bytes.length) return null;
      return { height: (bytes[at + 5]! << 8) | bytes[at + 6]!, width: (bytes[at + 7]! << 8) | bytes[at + 8]! };
    }
    if (length < 2) return null;
    at += 2 + length;
  }
  return null;
}

function u32be(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) >>> 0) + (bytes[at + 1]! << 16) + (bytes[at + 2]! << 8) + bytes[at + 3]!;
}
