/**
 * Bytes as base64 in any JS environment (btoa, no Buffer). Built in 32 KiB
 * slices: spreading a whole image into String.fromCharCode overflows the stack.
 */
export function bytesToBase64(bytes: Uint8Array | Uint8ClampedArray): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
