import { describe, expect, it } from 'vitest';
import {
  binarize,
  InvalidInputError,
  maskedImageNchw,
  maskFromImage,
  nchwToNhwc01,
  nchwToRgba,
  nearestResizeMaskToLatent,
  nhwc01ToRgba,
  rgbaToNchw,
} from '../../core/image';
import { decodePng } from '../../core/image/png-node';
import { readGolden, readGoldenF32 } from './helpers';

const CASES = ['inpaint_9ch', 'inpaint_4ch_legacy', 'sdedit_img2img', 'ip2p'] as const;

describe('rgbaToNchw', () => {
  it('is x / 255 * 2 - 1 in float32, planar RGB, on the fixture input', () => {
    const img = decodePng(readGolden('inpaint_9ch', 'input.png'));
    const t = rgbaToNchw(img);
    const plane = 64 * 64;
    expect(t.length).toBe(3 * plane);
    for (let i = 0; i < plane; i++) {
      for (let c = 0; c < 3; c++) {
        const v = img.data[i * 4 + c]!;
        // diffusers: np.float32(v) / 255 (float32), then 2 * x - 1 (float32)
        expect(t[c * plane + i]).toBe(Math.fround(Math.fround(v / 255) * 2 - 1));
        expect(Math.abs(t[c * plane + i]! - (v / 255) * 2 + 1)).toBeLessThan(1e-7);
      }
    }
  });

  it('maps 0 -> -1, 255 -> 1 and drops alpha', () => {
    const t = rgbaToNchw({ width: 2, height: 1, data: Uint8ClampedArray.from([0, 255, 0, 0, 255, 0, 255, 7]) });
    expect(Array.from(t)).toEqual([-1, 1, 1, -1, -1, 1]);
  });
});

describe('decoder output -> 8-bit, as diffusers quantises', () => {
  for (const name of CASES) {
    it(`${name}: nhwc01ToRgba(output.bin) equals output_0.png exactly`, () => {
      const out = readGoldenF32(name, 'output.bin');
      const png = decodePng(readGolden(name, 'output_0.png'), 'output_0.png');
      const img = nhwc01ToRgba(out, [1, 64, 64, 3], 0);
      expect([img.width, img.height]).toEqual([png.width, png.height]);
      let diff = 0;
      for (let i = 0; i < img.data.length; i++) if (img.data[i] !== png.data[i]) diff++;
      expect(diff).toBe(0);
      // The (data, width, height) form is the same image.
      expect(Array.from(nhwc01ToRgba(out, 64, 64).data)).toEqual(Array.from(img.data));
    });
  }

  it('nchwToNhwc01 turns decoder samples back into output.bin, and nchwToRgba into output_0.png', () => {
    const out = readGoldenF32('inpaint_9ch', 'output.bin');
    const png = decodePng(readGolden('inpaint_9ch', 'output_0.png'));
    // Reconstruct a decoder sample x with clamp(x / 2 + 0.5) = output (x = 2v - 1 is exact in float32 for v in [0.25, 1]).
    const plane = 64 * 64;
    const nchw = new Float32Array(3 * plane);
    for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) nchw[c * plane + i] = 2 * out[i * 3 + c]! - 1;
    const back = nchwToNhwc01(nchw, [1, 3, 64, 64]);
    let maxErr = 0;
    for (let i = 0; i < out.length; i++) maxErr = Math.max(maxErr, Math.abs(back[i]! - out[i]!));
    expect(maxErr).toBeLessThan(1e-7);
    for (let i = 0; i < out.length; i++) if (out[i]! >= 0.25) expect(back[i]).toBe(out[i]);
    const img = nchwToRgba(nchw, [1, 3, 64, 64], 0);
    let diff = 0;
    for (let i = 0; i < img.data.length; i++) if (img.data[i] !== png.data[i]) diff++;
    expect(diff).toBe(0);
  });

  it('clamps, and rounds exact halves to even like NumPy', () => {
    const clamped = nhwc01ToRgba(Float32Array.from([-0.5, 1.5, NaN]), [1, 1, 1, 3]);
    expect(Array.from(clamped.data)).toEqual([0, 255, 0, 255]);
    // Float32 values whose float32 product with 255 is exactly k + 0.5.
    let halves = 0;
    for (let k = 0; k < 255; k++) {
      const v = Math.fround((k + 0.5) / 255);
      if (Math.fround(v * 255) !== k + 0.5) continue;
      halves++;
      const got = nhwc01ToRgba(Float32Array.from([v, v, v]), [1, 1, 1, 3]).data[0];
      expect(got).toBe(k % 2 === 0 ? k : k + 1); // half to even, not Math.round's half up
    }
    expect(halves).toBeGreaterThan(10);
  });

  it('picks the requested image of a batch', () => {
    const nchw = new Float32Array(2 * 3 * 1 * 1);
    nchw.set([1, 1, 1], 3); // second image white
    expect(Array.from(nchwToRgba(nchw, [2, 3, 1, 1], 1).data)).toEqual([255, 255, 255, 255]);
    expect(Array.from(nchwToRgba(nchw, [2, 3, 1, 1], 0).data)).toEqual([128, 128, 128, 255]);
    expect(() => nchwToRgba(nchw, [2, 3, 1, 1], 2)).toThrow(InvalidInputError);
    expect(() => nchwToRgba(nchw, [1, 3, 1, 1], 0)).toThrow(InvalidInputError);
  });
});

describe('the 9-channel UNet input of the fixture', () => {
  it('channel 4 (mask latent) is the binarised mask.png resized with torch nearest', () => {
    const mask = binarize(maskFromImage(decodePng(readGolden('inpaint_9ch', 'mask.png'))));
    const latent = nearestResizeMaskToLatent(mask, 8, 8);
    const trace = readGoldenF32('inpaint_9ch', 'trace_unet_in.bin'); // [8 steps, 2, 9, 8, 8]
    for (let step = 0; step < 8; step++) {
      for (let b = 0; b < 2; b++) {
        const base = ((step * 2 + b) * 9 + 4) * 64;
        expect(Array.from(trace.subarray(base, base + 64))).toEqual(Array.from(latent));
      }
    }
    expect(latent.some((v) => v === 1) && latent.some((v) => v === 0)).toBe(true);
  });

  it('maskedImageNchw blanks the pixels to repaint to 0 (mid gray), as image * (mask < 0.5)', () => {
    const img = decodePng(readGolden('inpaint_9ch', 'input.png'));
    const mask = maskFromImage(decodePng(readGolden('inpaint_9ch', 'mask.png')));
    const px = rgbaToNchw(img);
    const masked = maskedImageNchw(px, mask);
    const plane = 64 * 64;
    for (let i = 0; i < px.length; i++) expect(masked[i]).toBe(mask.data[i % plane]! < 0.5 ? px[i] : 0);
  });
});
