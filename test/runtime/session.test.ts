/**
 * ModelSession's float16 handling on a real ORT session, and the UNet
 * adapter's timestep logic on scripted sessions (no fixture has every layout).
 */
import { describe, expect, it } from 'vitest';
import { ModelFormatError, RuntimeError } from '../../core/errors';
import { inspectOnnxModel } from '../../core/models';
import { createRuntime, ModelSession, UnetSession, type HostTensor, type IoInfo, type OutputTensor } from '../../core/runtime';
import { FLOAT, FLOAT16, tinyModel } from './onnx-builder';

const runtime = createRuntime();

describe('ModelSession with float16 I/O', () => {
  const model = tinyModel(
    [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }],
    [{ name: 'x', elemType: FLOAT16, dims: ['n'] }],
    [{ name: 'y', elemType: FLOAT16, dims: ['n'] }],
  );

  it('the hand-written model is well-formed', () => {
    const info = inspectOnnxModel(model, 'tiny/model.onnx');
    expect(info.inputs).toEqual([{ name: 'x', type: 'float16', shape: ['n'] }]);
  });

  it('takes float32 in, converts to float16 and back', async () => {
    const s = await runtime.createSession({
      name: 'vae_decoder',
      modelPath: 'tiny/model.onnx',
      externalDataPaths: [],
      load: async () => ({ file: 'tiny/model.onnx', model, graph: inspectOnnxModel(model, 'tiny/model.onnx') }),
    });
    expect(s.inputs).toEqual([{ name: 'x', type: 'float16', shape: ['n'] }]);
    const out = await s.run({ x: { data: new Float32Array([1, 0.1, -2.5, 65504, 1e6, 2 ** -24]), dims: [6] } });
    expect(out['y']?.type).toBe('float32');
    expect(Array.from(out['y']!.data as Float32Array)).toEqual([1, 0.0999755859375, -2.5, 65504, Infinity, 2 ** -24]);
    await s.release();
  });

  it('a float32 model gets float32 unchanged; wrong-size feeds are rejected before ORT', async () => {
    const f32 = tinyModel(
      [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }],
      [{ name: 'x', elemType: FLOAT, dims: [3] }],
      [{ name: 'y', elemType: FLOAT, dims: [3] }],
    );
    const s = await ModelSession.create(runtime.ort, { file: 'f32/model.onnx', model: f32 }, { executionProviders: ['wasm'] });
    const out = await s.run({ x: { data: new Float32Array([0.1, 2, 3]), dims: [3] } });
    expect(out['y']?.data).toEqual(new Float32Array([0.1, 2, 3]));
    await expect(s.run({ x: { data: new Float32Array(4), dims: [3] } })).rejects.toThrow(/4 values/);
    // Static shape mismatch: ORT's error becomes a RuntimeError naming the file.
    const err = await s.run({ x: { data: new Float32Array(4), dims: [4] } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as Error).message).toContain('f32/model.onnx');
    await s.release();
  });
});

/** A stand-in for a UNet ModelSession that records feeds and can reject some. */
function scriptedUnet(timestep: IoInfo, reject?: (t: HostTensor) => boolean, declaredTimestepShape?: readonly number[]) {
  const seen: HostTensor[] = [];
  const session = {
    file: 'unet/model.onnx',
    graph: declaredTimestepShape && { inputs: [{ name: timestep.name, type: timestep.type, shape: declaredTimestepShape }] },
    inputs: [
      { name: 'sample', type: 'float32', shape: ['batch', 4, 'h', 'w'] },
      timestep,
      { name: 'encoder_hidden_states', type: 'float32', shape: ['batch', 'seq', 8] },
    ],
    outputs: [{ name: 'out_sample', type: 'float32', shape: ['batch', 4, 'h', 'w'] }],
    async run(feeds: Record<string, HostTensor>): Promise<Record<string, OutputTensor>> {
      const t = feeds['timestep']!;
      seen.push(t);
      if (reject?.(t)) throw new RuntimeError('unet/model.onnx: ONNX Runtime failed to run the model (rank mismatch).');
      const sample = feeds['sample']!;
      return { out_sample: { type: 'float32', data: new Float32Array(sample.data.length), dims: sample.dims } };
    },
    release: async () => undefined,
  };
  return { unet: new UnetSession(session as unknown as ModelSession), seen };
}

const predict = (unet: UnetSession, batch: number, t: number) =>
  unet.predict(new Float32Array(batch * 4 * 2 * 2), [batch, 4, 2, 2], t, new Float32Array(batch * 3 * 8), [batch, 3, 8]);

describe('UnetSession timestep layouts', () => {
  it('float32 rank 0', async () => {
    const { unet, seen } = scriptedUnet({ name: 'timestep', type: 'float32', shape: [] });
    await predict(unet, 2, 501.5);
    expect(seen[0]).toEqual({ data: new Float32Array([501.5]), dims: [] });
    expect(unet.timestepLayout).toBe('scalar');
  });

  it('int64 [1] (web-optimised repos): rounded, one value broadcast over the batch', async () => {
    const { unet, seen } = scriptedUnet({ name: 'timestep', type: 'int64', shape: [1] });
    await predict(unet, 2, 500.6);
    expect(seen[0]).toEqual({ data: new BigInt64Array([501n]), dims: [1] });
  });

  it('int64 [steps] (Optimum 1.22): one value per batch item', async () => {
    const { unet, seen } = scriptedUnet({ name: 'timestep', type: 'int64', shape: ['steps'] });
    await predict(unet, 3, 1);
    expect(seen[0]).toEqual({ data: new BigInt64Array([1n, 1n, 1n]), dims: [3] });
  });

  it('a rank 0 the model file declares is final: a failing run is not retried with [batch]', async () => {
    const { unet, seen } = scriptedUnet({ name: 'timestep', type: 'float32', shape: [] }, (t) => t.dims.length === 0, []);
    await expect(predict(unet, 2, 10)).rejects.toBeInstanceOf(RuntimeError);
    expect(seen.map((t) => t.dims)).toEqual([[]]);
    expect(unet.timestepLayout).toBe('scalar');
  });

  it('undeclared shape (reported as []): falls back to [batch] once and remembers', async () => {
    const { unet, seen } = scriptedUnet({ name: 'timestep', type: 'float16', shape: [] }, (t) => t.dims.length === 0);
    await predict(unet, 2, 10);
    expect(seen.map((t) => t.dims)).toEqual([[], [2]]);
    expect(unet.timestepLayout).toBe('batch');
    await predict(unet, 2, 20);
    expect(seen.map((t) => t.dims)).toEqual([[], [2], [2]]);
  });

  it('a failure that is not about the layout is not retried after a verified run', async () => {
    let fail = false;
    const { unet, seen } = scriptedUnet({ name: 'timestep', type: 'float32', shape: [] }, () => fail);
    await predict(unet, 1, 1);
    fail = true;
    await expect(predict(unet, 1, 1)).rejects.toBeInstanceOf(RuntimeError);
    expect(seen).toHaveLength(2);
  });

  it('rejects inputs it cannot feed', () => {
    expect(() => scriptedUnet({ name: 'timestep', type: 'float32', shape: [1, 1] })).toThrow(ModelFormatError);
    expect(() => scriptedUnet({ name: 'timestep', type: 'string', shape: [] })).toThrow(ModelFormatError);
  });

  it('checks dims before running', async () => {
    const { unet } = scriptedUnet({ name: 'timestep', type: 'float32', shape: [] });
    await expect(unet.predict(new Float32Array(16), [1, 4, 2, 2], 1, new Float32Array(48), [2, 3, 8])).rejects.toThrow(/batch/);
    await expect(unet.predict(new Float32Array(36), [1, 9, 2, 2], 1, new Float32Array(24), [1, 3, 8])).rejects.toThrow(/4 sample channels/);
  });
});
