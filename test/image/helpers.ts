import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Mask, RgbaImage } from '../../core/image';
import { float32FromLittleEndian } from '../../core/tensor';

/** Absolute path of a file in a golden case folder of the tiny-sd fixtures. */
export function goldenPath(caseName: string, file: string): string {
  return fileURLToPath(new URL(`../fixtures/tiny-sd/golden/${caseName}/${file}`, import.meta.url));
}

export function readGolden(caseName: string, file: string): Uint8Array {
  const b = readFileSync(goldenPath(caseName, file));
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export function readGoldenF32(caseName: string, file: string): Float32Array {
  return float32FromLittleEndian(readGolden(caseName, file));
}

/** A mask from rows of '#' (1) and '.' (0) or digits 0-9 (x / 9). */
export function maskFromArt(rows: string[]): Mask {
  const height = rows.length;
  const width = rows[0]!.length;
  const data = new Float32Array(width * height);
  rows.forEach((r, y) => {
    for (let x = 0; x < width; x++) {
      const ch = r[x]!;
      data[y * width + x] = ch === '#' ? 1 : ch === '.' ? 0 : Number(ch) / 9;
    }
  });
  return { width, height, data };
}

/** The mask as rows of '#' (>= 0.5) and '.', for readable assertions. */
export function maskToArt(m: Mask): string[] {
  const rows: string[] = [];
  for (let y = 0; y < m.height; y++) {
    let s = '';
    for (let x = 0; x < m.width; x++) s += m.data[y * m.width + x]! >= 0.5 ? '#' : '.';
    rows.push(s);
  }
  return rows;
}

/** Deterministic pseudo-random image (xorshift), for tests that need texture. */
export function noiseImage(width: number, height: number, seed = 1, opaque = true): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    data[i] = opaque && i % 4 === 3 ? 255 : (s >>> 0) & 255;
  }
  return { width, height, data };
}
