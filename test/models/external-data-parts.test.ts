/**
 * splitExternalData (core/models/onnx-edit.ts): the weights of one
 * external-data file served as several byte ranges of it (Chromium reads each
 * into one ArrayBuffer of at most ~2 GB), with the same outputs on a real
 * ONNX Runtime session.
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { splitExternalData } from '../../core/models/onnx-edit';
import { inspectOnnxModel } from '../../core/models';
import { FAMILIES } from '../runtime/helpers';

ort.env.wasm.numThreads = 1;
const DIR = `${FAMILIES['external-data/sd']}/unet`;

async function run(model: Uint8Array, externalData: { path: string; data: Uint8Array }[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'], externalData });
  const n = 2 * 4 * 8 * 8;
  const out = await session.run({
    sample: new ort.Tensor('float32', Float32Array.from({ length: n }, (_, i) => Math.sin(i)), [2, 4, 8, 8]),
    timestep: new ort.Tensor('float32', new Float32Array([500]), []),
    encoder_hidden_states: new ort.Tensor('float32', Float32Array.from({ length: 2 * 77 * 32 }, (_, i) => Math.cos(i)), [2, 77, 32]),
  });
  await session.release();
  return out['out_sample']!.data as Float32Array;
}

describe('splitExternalData', () => {
  const model = new Uint8Array(readFileSync(`${DIR}/model.onnx`));
  const data = new Uint8Array(readFileSync(`${DIR}/model.onnx_data`));

  it('cuts the weights file between tensors into pieces no larger than asked, and the model runs the same on them', async () => {
    const max = 512 * 1024;
    const split = splitExternalData(model, 'model.onnx_data', max)!;
    expect(split.parts.length).toBeGreaterThanOrEqual(Math.ceil(data.length / max));
    for (const p of split.parts) expect(p.end - p.start).toBeLessThanOrEqual(max);
    expect(split.parts.map((p) => p.location)).toEqual(split.parts.map((_, i) => `model.onnx_data.part${i}`));
    expect(inspectOnnxModel(split.model, 'unet/model.onnx').externalData.map((r) => r.location).sort()).toEqual(
      split.parts.map((p) => p.location).sort(),
    );
    const pieces = split.parts.map((p) => ({ path: p.location, data: data.subarray(p.start, p.end) }));
    expect(await run(split.model, pieces)).toEqual(await run(model, [{ path: 'model.onnx_data', data }]));
  });

  it('leaves a file that already fits alone', () => {
    expect(splitExternalData(model, 'model.onnx_data', data.length)).toBeUndefined();
  });
});
