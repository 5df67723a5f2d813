import { describe, expect, it } from 'vitest';
import { InvalidInputError, latentsToPreview, SD1_LATENT_RGB_FACTORS } from '../../core/image';
import { readGoldenF32 } from './helpers';

describe('latentsToPreview', () => {
  it('applies the SD 1.x latent->RGB factors: rgb = L x F, then (rgb + 1) / 2 * 255', () => {
    // one latent pixel per batch item, [2, 4, 1, 1]
    const latents = Float32Array.from([0, 0, 0, 0, 1, 0.5, -0.5, 0.25]);
    const zero = latentsToPreview(latents, [2, 4, 1, 1], 0);
    expect(Array.from(zero.data)).toEqual([128, 128, 128, 255]);
    const one = latentsToPreview(latents, [2, 4, 1, 1], 1);
    const l = [1, 0.5, -0.5, 0.25];
    const want = [0, 1, 2].map((c) => Math.round(((l.reduce((a, v, k) => a + v * SD1_LATENT_RGB_FACTORS[k]![c]!, 0) + 1) / 2) * 255));
    expect(Array.from(one.data)).toEqual([...want, 255]);
  });

  it('is latent-sized by default, upscales by whole factors with nearest', () => {
    const trace = readGoldenF32('inpaint_9ch', 'trace_latents.bin'); // [8, 1, 4, 8, 8]
    const last = trace.subarray(7 * 256, 8 * 256);
    const p = latentsToPreview(last, [1, 4, 8, 8]);
    expect([p.width, p.height]).toEqual([8, 8]);
    const big = latentsToPreview(last, [1, 4, 8, 8], 0, { scale: 8 });
    expect([big.width, big.height]).toEqual([64, 64]);
    for (let y = 0; y < 64; y++) {
      for (let x = 0; x < 64; x++) {
        const s = ((y >> 3) * 8 + (x >> 3)) * 4;
        expect(Array.from(big.data.subarray((y * 64 + x) * 4, (y * 64 + x) * 4 + 4))).toEqual(Array.from(p.data.subarray(s, s + 4)));
      }
    }
  });

  it('clamps and validates', () => {
    const hot = latentsToPreview(Float32Array.from([100, 100, 100, -100]), [1, 4, 1, 1]);
    expect(Array.from(hot.data)).toEqual([255, 255, 255, 255]);
    expect(() => latentsToPreview(new Float32Array(12), [1, 3, 2, 2])).toThrow(InvalidInputError);
    expect(() => latentsToPreview(new Float32Array(16), [1, 4, 2, 2], 1)).toThrow(InvalidInputError);
    expect(() => latentsToPreview(new Float32Array(15), [1, 4, 2, 2])).toThrow(InvalidInputError);
  });
});
