/**
 * Byte-level helpers shared by the cache and the sources: sizes for humans,
 * and buffers that may exceed the ~2 GB limit of one `ArrayBuffer`.
 *
 * Browser-safe.
 */

/** `1536` -> `1.5 KB`; decimal units, as browsers and disks report them. */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${n} bytes` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

/**
 * A zeroed `Uint8Array` of `size` bytes, even above what one `ArrayBuffer`
 * may hold in this engine.
 *
 * Chrome caps an `ArrayBuffer` near 2 GB but lets a `WebAssembly.Memory`
 * grow to 4 GB; ONNX Runtime Web uses the same fallback for large external
 * data. Beyond 4 GB nothing in a browser can hold the file in one piece: use
 * a Blob or an object URL instead (see `CachedSource.blob`).
 *
 * @throws {RangeError} when neither fits.
 */
export function allocateBytes(size: number): Uint8Array {
  try {
    return new Uint8Array(size);
  } catch (error) {
    if (!(error instanceof RangeError) || size > 2 ** 32 || typeof WebAssembly === 'undefined') throw error;
    const pages = Math.ceil(size / 65536);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    return new Uint8Array(memory.buffer, 0, size);
  }
}

/**
 * A copy of `bytes` in a buffer of exactly its length, unless it already is
 * one. Stores that structured-clone values (IndexedDB) copy the whole
 * underlying buffer of a view, so a 64 KB view into a 32 MB buffer would
 * store 32 MB.
 */
export function tightCopy(bytes: Uint8Array): Uint8Array {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes;
  return bytes.slice();
}

/**
 * Reads a `Blob` (or `File`) into one buffer, slice by slice, so a file above
 * 2 GB does not go through `blob.arrayBuffer()` (which needs one ArrayBuffer
 * of the whole size).
 */
export async function readBlobBytes(blob: Blob, sliceSize = 32 * 1024 * 1024): Promise<Uint8Array> {
  if (blob.size <= sliceSize) return new Uint8Array(await blob.arrayBuffer());
  const out = allocateBytes(blob.size);
  for (let offset = 0; offset < blob.size; offset += sliceSize) {
    const part = new Uint8Array(await blob.slice(offset, offset + sliceSize).arrayBuffer());
    out.set(part, offset);
  }
  return out;
}
