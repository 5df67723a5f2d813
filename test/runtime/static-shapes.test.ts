/**
 * Static-shape exports compose with the other export variants: a UNet pinned
 * to batch 1 with float16 I/O and an int64 `[1]` timestep (the sd-turbo web
 * export's signature) still takes a CFG or pix2pix batch, as one call per
 * item with the batched call's numbers.
 */
import { describe, expect, it } from 'vitest';
import { inspectOnnxModel } from '../../core/models/onnx-graph';
import { deviceLoopBlocker } from '../../core/pipelines/denoise-gpu';
import type { DenoiseSpec } from '../../core/pipelines/denoise';
import { createRuntime, UnetSession } from '../../core/runtime';
import { createScheduler } from '../../core/schedulers';
import { FLOAT16, INT64, tinyModel } from './onnx-builder';

const runtime = createRuntime();

/** out_sample = sample + encoder_hidden_states (broadcast), all float16, batch pinned to 1; the timestep is declared, not used. */
const model = tinyModel(
  [{ op: 'Add', inputs: ['sample', 'encoder_hidden_states'], outputs: ['out_sample'] }],
  [
    { name: 'sample', elemType: FLOAT16, dims: [1, 4, 2, 2] },
    { name: 'timestep', elemType: INT64, dims: [1] },
    { name: 'encoder_hidden_states', elemType: FLOAT16, dims: [1, 2, 2] },
  ],
  [{ name: 'out_sample', elemType: FLOAT16, dims: [1, 4, 2, 2] }],
);

async function staticUnet(): Promise<UnetSession> {
  const session = await runtime.createSession({
    name: 'unet',
    modelPath: 'unet/model.onnx',
    externalDataPaths: [],
    load: async () => ({ file: 'unet/model.onnx', model, graph: inspectOnnxModel(model, 'unet/model.onnx') }),
  });
  return new UnetSession(session);
}

describe('a batch-1 float16 UNet with an int64 [1] timestep', () => {
  it('reads the pinned batch and latent size from the session metadata', async () => {
    const unet = await staticUnet();
    expect(unet.fixedBatch).toBe(1);
    expect(unet.fixedLatentSize).toEqual({ height: 2, width: 2 });
    expect(unet.timestepType).toBe('int64');
    expect(unet.timestepLayout).toBe('one');
    await unet.release();
  });

  it('runs a batch of 3 as three calls, each item as if alone', async () => {
    const unet = await staticUnet();
    const sample = Float32Array.from({ length: 3 * 16 }, (_, i) => i / 4);
    const ehs = Float32Array.from({ length: 3 * 4 }, (_, i) => -i);
    const out = await unet.predict(sample, [3, 4, 2, 2], 981, ehs, [3, 2, 2]);
    const expected = sample.map((x, i) => {
      const b = Math.floor(i / 16);
      const hw = i % 4;
      return x + ehs[b * 4 + hw]!;
    });
    expect(Array.from(out)).toEqual(Array.from(expected));
    // The pinned graph itself rejects the batch: the split is what makes it work.
    await expect(
      unet.session.run({
        sample: { data: sample, dims: [3, 4, 2, 2] },
        timestep: { data: new BigInt64Array([981n]), dims: [1] },
        encoder_hidden_states: { data: ehs, dims: [3, 2, 2] },
      }),
    ).rejects.toThrow(/invalid dimensions/);
    await unet.release();
  });

  it('keeps the Worker engine on the batch-splitting loop: the GPU loop steps aside for a pinned batch', async () => {
    const unet = await staticUnet();
    const spec = {
      unet,
      scheduler: createScheduler('ddim', { num_train_timesteps: 1000 }),
      chunks: 2,
      dims: [1, 4, 2, 2],
      guideWeights: [-6.5, 7.5],
    } as unknown as DenoiseSpec;
    expect(deviceLoopBlocker(spec)).toMatch(/pinned to batch 1/);
    expect(deviceLoopBlocker({ ...spec, chunks: 1, guideWeights: [1] })).not.toMatch(/pinned/);
    await unet.release();
  });
});
