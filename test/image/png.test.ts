import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ImageFormatError, maskFromImage } from '../../core/image';
import { decodePng, encodePng, isPng } from '../../core/image/png-node';
import { noiseImage, readGolden } from './helpers';

// --- a minimal PNG writer, so every colour type and bit depth can be tested without external files ---
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}
/** PNG from already-packed scanlines (each row: packed samples, no filter byte). */
function makePng(opts: {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  rows: Uint8Array[];
  plte?: number[];
  trns?: number[];
}): Uint8Array {
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, opts.width);
  dv.setUint32(4, opts.height);
  ihdr[8] = opts.bitDepth;
  ihdr[9] = opts.colorType;
  const raw = new Uint8Array(opts.rows.reduce((n, r) => n + r.length + 1, 0));
  let o = 0;
  for (const r of opts.rows) {
    raw[o++] = 0; // filter: none
    raw.set(r, o);
    o += r.length;
  }
  const parts = [Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr)];
  if (opts.plte) parts.push(chunk('PLTE', Uint8Array.from(opts.plte)));
  if (opts.trns) parts.push(chunk('tRNS', Uint8Array.from(opts.trns)));
  parts.push(chunk('IDAT', new Uint8Array(deflateSync(raw))), chunk('IEND', new Uint8Array(0)));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let p = 0;
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}
const px = (img: { width: number; data: Uint8ClampedArray }, x: number, y: number): number[] =>
  Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));

describe('decodePng: every colour type and depth becomes RGBA8', () => {
  it('8-bit gray', () => {
    const img = decodePng(makePng({ width: 2, height: 1, bitDepth: 8, colorType: 0, rows: [Uint8Array.from([0, 200])] }));
    expect(px(img, 0, 0)).toEqual([0, 0, 0, 255]);
    expect(px(img, 1, 0)).toEqual([200, 200, 200, 255]);
  });

  it('1-bit gray (packed bits)', () => {
    const img = decodePng(makePng({ width: 3, height: 1, bitDepth: 1, colorType: 0, rows: [Uint8Array.from([0b10100000])] }));
    expect([px(img, 0, 0), px(img, 1, 0), px(img, 2, 0)]).toEqual([
      [255, 255, 255, 255],
      [0, 0, 0, 255],
      [255, 255, 255, 255],
    ]);
  });

  it('16-bit gray and RGB are scaled to 8 bits with rounding', () => {
    const g16 = decodePng(makePng({ width: 2, height: 1, bitDepth: 16, colorType: 0, rows: [Uint8Array.from([0xff, 0xff, 0x80, 0x00])] }));
    expect(px(g16, 0, 0)).toEqual([255, 255, 255, 255]);
    expect(px(g16, 1, 0)).toEqual([128, 128, 128, 255]); // round(32768 * 255 / 65535) = 128
    const rgb16 = decodePng(makePng({ width: 1, height: 1, bitDepth: 16, colorType: 2, rows: [Uint8Array.from([0, 0, 0x01, 0x01, 0xff, 0xff])] }));
    expect(px(rgb16, 0, 0)).toEqual([0, 1, 255, 255]);
  });

  it('gray + alpha and RGBA keep alpha', () => {
    const ga = decodePng(makePng({ width: 1, height: 1, bitDepth: 8, colorType: 4, rows: [Uint8Array.from([90, 30])] }));
    expect(px(ga, 0, 0)).toEqual([90, 90, 90, 30]);
    const rgba = decodePng(makePng({ width: 1, height: 1, bitDepth: 8, colorType: 6, rows: [Uint8Array.from([1, 2, 3, 4])] }));
    expect(px(rgba, 0, 0)).toEqual([1, 2, 3, 4]);
  });

  it('palette (8-bit and 2-bit) with tRNS alpha', () => {
    const plte = [255, 0, 0, 0, 255, 0, 0, 0, 255];
    const p8 = decodePng(makePng({ width: 3, height: 1, bitDepth: 8, colorType: 3, rows: [Uint8Array.from([2, 0, 1])], plte, trns: [128] }));
    expect([px(p8, 0, 0), px(p8, 1, 0), px(p8, 2, 0)]).toEqual([
      [0, 0, 255, 255],
      [255, 0, 0, 128],
      [0, 255, 0, 255],
    ]);
    const p2 = decodePng(makePng({ width: 2, height: 1, bitDepth: 2, colorType: 3, rows: [Uint8Array.from([0b01100000])], plte }));
    expect([px(p2, 0, 0), px(p2, 1, 0)]).toEqual([
      [0, 255, 0, 255],
      [0, 0, 255, 255],
    ]);
  });

  it('an RGB colour key (tRNS) becomes alpha 0', () => {
    const img = decodePng(
      makePng({ width: 2, height: 1, bitDepth: 8, colorType: 2, rows: [Uint8Array.from([9, 9, 9, 1, 2, 3])], trns: [0, 9, 0, 9, 0, 9] }),
    );
    expect(px(img, 0, 0)[3]).toBe(0);
    expect(px(img, 1, 0)).toEqual([1, 2, 3, 255]);
  });

  it('reads from a Uint8Array at an odd offset of a larger buffer', () => {
    const png = makePng({ width: 1, height: 1, bitDepth: 8, colorType: 2, rows: [Uint8Array.from([7, 8, 9])] });
    const big = new Uint8Array(png.length + 3);
    big.set(png, 3);
    expect(px(decodePng(big.subarray(3)), 0, 0)).toEqual([7, 8, 9, 255]);
  });
});

describe('decodePng: the fixture images', () => {
  it('input.png is 64x64 opaque RGB', () => {
    const img = decodePng(readGolden('inpaint_9ch', 'input.png'), 'input.png');
    expect([img.width, img.height, img.data.length]).toEqual([64, 64, 64 * 64 * 4]);
    expect(img.data).toBeInstanceOf(Uint8ClampedArray);
    for (let i = 3; i < img.data.length; i += 4) expect(img.data[i]).toBe(255);
  });

  it('mask.png (8-bit gray) decodes with R = G = B and a white area to repaint', () => {
    const img = decodePng(readGolden('inpaint_9ch', 'mask.png'), 'mask.png');
    expect([img.width, img.height]).toEqual([64, 64]);
    for (let i = 0; i < img.data.length; i += 4) {
      expect(img.data[i + 1]).toBe(img.data[i]);
      expect(img.data[i + 2]).toBe(img.data[i]);
    }
    const m = maskFromImage(img);
    expect(Math.max(...m.data)).toBe(1);
    expect(Math.min(...m.data)).toBe(0);
  });
});

describe('decodePng: bad input is an ImageFormatError that names the file and asks for a PNG', () => {
  const good = readGolden('inpaint_9ch', 'input.png');
  const cases: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['a JPEG', Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70])],
    ['text', new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>')],
    ['signature only', good.slice(0, 8)],
    ['truncated in half', good.slice(0, Math.floor(good.length / 2))],
    ['truncated before IEND', good.slice(0, good.length - 12)],
    [
      'a corrupted IDAT byte (CRC mismatch)',
      (() => {
        const b = good.slice();
        b[b.length - 20] = b[b.length - 20]! ^ 0xff;
        return b;
      })(),
    ],
  ];
  for (const [what, bytes] of cases) {
    it(what, () => {
      let err: unknown;
      try {
        decodePng(bytes, 'photo.png');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ImageFormatError);
      const e = err as ImageFormatError;
      expect(e.code).toBe('IMAGE_FORMAT');
      expect(e.file).toBe('photo.png');
      expect(e.message).toContain('photo.png');
      expect(e.message).toMatch(/must be a PNG/);
    });
  }

  it('says what a JPEG is', () => {
    expect(() => decodePng(cases[1]![1], 'x.jpg')).toThrow(/it is a JPEG/);
  });
});

describe('encodePng', () => {
  it('round-trips RGBA exactly', () => {
    const img = noiseImage(17, 9, 3, false);
    const bytes = encodePng(img);
    expect(isPng(bytes)).toBe(true);
    expect(bytes[25]).toBe(6); // IHDR colour type: RGBA
    const back = decodePng(bytes);
    expect([back.width, back.height]).toEqual([17, 9]);
    expect(Array.from(back.data)).toEqual(Array.from(img.data));
  });

  it('writes opaque images as RGB and round-trips them', () => {
    const img = noiseImage(8, 5, 4, true);
    const bytes = encodePng(img);
    expect(bytes[25]).toBe(2); // IHDR colour type: RGB
    expect(Array.from(decodePng(bytes).data)).toEqual(Array.from(img.data));
  });

  it('re-encoding the fixture input gives the same pixels', () => {
    const img = decodePng(readGolden('inpaint_9ch', 'input.png'));
    expect(Array.from(decodePng(encodePng(img)).data)).toEqual(Array.from(img.data));
  });
});
