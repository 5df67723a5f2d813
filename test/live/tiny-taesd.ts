/**
 * A tiny random-weight autoencoder with TAESD's ONNX signature, written at
 * test set-up (no Python, no onnx package: protobuf bytes via
 * test/runtime/onnx-builder.ts). Not a test file itself.
 *
 * - `vae_encoder/model.onnx`: `sample` float32 `[batch, 3, H, W]` in [0, 1]
 *   -> AveragePool 8x8 (stride 8) -> 1x1 Conv 3->4 -> `latent_sample` `[batch, 4, H/8, W/8]`
 * - `vae_decoder/model.onnx`: `latent_sample` `[batch, 4, h, w]`
 *   -> 1x1 Conv 4->3 -> nearest Resize x8 -> Sigmoid -> `sample` `[batch, 3, 8h, 8w]` in (0, 1)
 *
 * Weights are standard normal draws from {@link SeededNoise} (seed 16) times
 * 0.5, so every run writes the same bytes. {@link taesdReference} computes the
 * same two functions in plain JS, to check the ONNX sessions and their I/O
 * adaptation numerically.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededNoise } from '../../core/tensor';
import { FLOAT, tinyModel } from '../runtime/onnx-builder';

export interface TinyTaesdWeights {
  encW: Float32Array; // [4, 3]
  encB: Float32Array; // [4]
  decW: Float32Array; // [3, 4]
  decB: Float32Array; // [3]
}

export function tinyTaesdWeights(): TinyTaesdWeights {
  const noise = new SeededNoise(16);
  const draw = (n: number): Float32Array => noise.randn([n]).map((x) => x * 0.5);
  return { encW: draw(12), encB: draw(4), decW: draw(12), decB: draw(3) };
}

/** The two ONNX files' bytes. */
export function tinyTaesdModels(w = tinyTaesdWeights()): { encoder: Uint8Array; decoder: Uint8Array } {
  const encoder = tinyModel(
    [
      { op: 'AveragePool', inputs: ['sample'], outputs: ['pooled'], attributes: [{ name: 'kernel_shape', ints: [8, 8] }, { name: 'strides', ints: [8, 8] }] },
      { op: 'Conv', inputs: ['pooled', 'enc_w', 'enc_b'], outputs: ['latent_sample'] },
    ],
    [{ name: 'sample', elemType: FLOAT, dims: ['batch', 3, 'height', 'width'] }],
    [{ name: 'latent_sample', elemType: FLOAT, dims: ['batch', 4, 'latent_height', 'latent_width'] }],
    [
      { name: 'enc_w', dims: [4, 3, 1, 1], data: w.encW },
      { name: 'enc_b', dims: [4], data: w.encB },
    ],
  );
  const decoder = tinyModel(
    [
      { op: 'Conv', inputs: ['latent_sample', 'dec_w', 'dec_b'], outputs: ['mixed'] },
      {
        op: 'Resize',
        inputs: ['mixed', '', 'scales'],
        outputs: ['up'],
        attributes: [
          { name: 'mode', s: 'nearest' },
          { name: 'coordinate_transformation_mode', s: 'asymmetric' },
          { name: 'nearest_mode', s: 'floor' },
        ],
      },
      { op: 'Sigmoid', inputs: ['up'], outputs: ['sample'] },
    ],
    [{ name: 'latent_sample', elemType: FLOAT, dims: ['batch', 4, 'latent_height', 'latent_width'] }],
    [{ name: 'sample', elemType: FLOAT, dims: ['batch', 3, 'height', 'width'] }],
    [
      { name: 'dec_w', dims: [3, 4, 1, 1], data: w.decW },
      { name: 'dec_b', dims: [3], data: w.decB },
      { name: 'scales', dims: [4], data: new Float32Array([1, 1, 8, 8]) },
    ],
  );
  return { encoder, decoder };
}

/** Writes the pair into a fresh temporary folder (`vae_encoder/`, `vae_decoder/`) and returns it. */
export function writeTinyTaesd(): string {
  const dir = mkdtempSync(join(tmpdir(), 'stipple-taesd-'));
  const { encoder, decoder } = tinyTaesdModels();
  for (const [name, bytes] of [
    ['vae_encoder', encoder],
    ['vae_decoder', decoder],
  ] as const) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'model.onnx'), bytes);
  }
  return dir;
}

/** The tiny TAESD in plain JS (batch 1), in float64. */
export const taesdReference = {
  /** pixels `[1, 3, H, W]` in [0, 1] -> latents `[1, 4, H/8, W/8]`. */
  encode(w: TinyTaesdWeights, pixels: Float32Array, height: number, width: number): Float64Array {
    const h = height / 8;
    const wd = width / 8;
    const out = new Float64Array(4 * h * wd);
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < wd; j++) {
        const mean = [0, 0, 0].map((_, c) => {
          let sum = 0;
          for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) sum += pixels[(c * height + i * 8 + y) * width + j * 8 + x]!;
          return sum / 64;
        });
        for (let k = 0; k < 4; k++) {
          out[(k * h + i) * wd + j] = w.encB[k]! + mean.reduce((a, m, c) => a + w.encW[k * 3 + c]! * m, 0);
        }
      }
    }
    return out;
  },
  /** latents `[1, 4, h, w]` -> pixels `[1, 3, 8h, 8w]` in (0, 1). */
  decode(w: TinyTaesdWeights, latents: Float32Array, h: number, wd: number): Float64Array {
    const H = h * 8;
    const W = wd * 8;
    const out = new Float64Array(3 * H * W);
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          let v = w.decB[c]!;
          for (let k = 0; k < 4; k++) v += w.decW[c * 4 + k]! * latents[(k * h + (y >> 3)) * wd + (x >> 3)]!;
          out[(c * H + y) * W + x] = 1 / (1 + Math.exp(-v));
        }
      }
    }
    return out;
  },
};
