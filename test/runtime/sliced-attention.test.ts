/**
 * Sliced attention (core/runtime/sliced-attention.ts): the rewritten UNet
 * computes the same numbers as the original on real ONNX Runtime sessions,
 * the golden edits still match diffusers with it on, and attention it does
 * not recognise is left alone.
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { afterAll, describe, expect, it } from 'vitest';
import { createEditor, type Editor } from '../../core/editor';
import { encodeModel, intAttribute, openModel } from '../../core/models/onnx-edit';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { loadModelRepo } from '../../core/models';
import { createRuntime, HEAVY_ATTENTION_SLICES, heapPlan, runsOnWasmHeap, sliceAttention, type HeapPlan } from '../../core/runtime';
import { CASES, caseImage, caseMask, caseNoise, caseOutput, loadCase, maxAbsDiff } from '../pipelines/golden';
import { TINY } from './helpers';
import { FLOAT, tinyModel } from './onnx-builder';

ort.env.wasm.numThreads = 1;

/** Deterministic values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 16807) % 2147483647;
    return (s / 2147483647) * 2 - 1;
  });
}

async function runUnet(model: Uint8Array, channels: number, h: number, w: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
  try {
    const out = await session.run({
      sample: new ort.Tensor('float32', values(2 * channels * h * w, 7), [2, channels, h, w]),
      timestep: new ort.Tensor('float32', new Float32Array([500]), []),
      encoder_hidden_states: new ort.Tensor('float32', values(2 * 77 * 32, 11), [2, 77, 32]),
    });
    return out['out_sample']!.data as Float32Array;
  } finally {
    await session.release();
  }
}

const count = (model: Uint8Array, op: string): number => openModel(model).nodes.filter((n) => n.opType === op).length;

describe('sliceAttention on the tiny UNets', () => {
  const unets = [
    { repo: 'sd', channels: 4, counts: [2, 5, 16] },
    { repo: 'sd-inpaint', channels: 9, counts: [3] },
    { repo: 'ip2p', channels: 8, counts: [3] },
  ];
  it.each(unets)('$repo: every attention is rewritten and the output is the same ($counts slices)', async ({ repo, channels, counts }) => {
    const original = new Uint8Array(readFileSync(`${TINY}${repo}/unet/model.onnx`));
    const expected = await runUnet(original, channels, 8, 12);
    for (const slices of counts) {
      const sliced = sliceAttention(original, slices);
      expect(sliced).toMatchObject({ rewritten: 12, skipped: 0, slices });
      expect(count(sliced.model, 'Softmax')).toBe(12 * slices);
      // The all-zero attention bias (one [b*heads, q, k] ConstantOfShape per attention) is gone.
      expect(count(sliced.model, 'ConstantOfShape')).toBe(count(original, 'ConstantOfShape') - 12);
      // The attention runs at 4x6 = 24 queries: 2 slices are even, 5 uneven (5, 5, 5, 5, 4), 16 leave 8 empty (2 per slice).
      expect(maxAbsDiff(await runUnet(sliced.model, channels, 8, 12), expected)).toBeLessThanOrEqual(1e-5);
    }
  });

  it('rejects a slice count below 2', () => {
    const original = new Uint8Array(readFileSync(`${TINY}sd/unet/model.onnx`));
    expect(() => sliceAttention(original, 1)).toThrow(RangeError);
  });
});

describe('the ONNX model editor', () => {
  it('writes an unedited model back byte for byte', () => {
    const original = new Uint8Array(readFileSync(`${TINY}sd/unet/model.onnx`));
    expect(Buffer.from(encodeModel(openModel(original))).equals(Buffer.from(original))).toBe(true);
  });

  it('reads negative int attributes exactly (Softmax axis -1)', () => {
    const softmax = openModel(new Uint8Array(readFileSync(`${TINY}sd/unet/model.onnx`))).nodes.find((n) => n.opType === 'Softmax')!;
    expect(intAttribute(softmax, 'axis')).toBe(-1);
  });
});

describe('sliceAttention on hand-built attention', () => {
  const q = { name: 'q', elemType: FLOAT, dims: [2, 5, 3] };
  const kt = { name: 'kt', elemType: FLOAT, dims: [2, 3, 4] };
  const v = { name: 'v', elemType: FLOAT, dims: [2, 4, 6] };
  const bias = { name: 'bias', elemType: FLOAT, dims: [2, 5, 4] };
  const out = { name: 'out', elemType: FLOAT, dims: [2, 5, 6] };
  const scale = { name: 'scale', dims: [], data: new Float32Array([0.5]) };
  const feeds = {
    q: new ort.Tensor('float32', values(30, 1), [2, 5, 3]),
    kt: new ort.Tensor('float32', values(24, 2), [2, 3, 4]),
    v: new ort.Tensor('float32', values(48, 3), [2, 4, 6]),
    bias: new ort.Tensor('float32', values(40, 4), [2, 5, 4]),
  };
  const run = async (model: Uint8Array, withBias: boolean): Promise<Float32Array> => {
    const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
    const { bias: b, ...rest } = feeds;
    const result = await session.run(withBias ? { ...rest, bias: b } : rest);
    await session.release();
    return result['out']!.data as Float32Array;
  };

  it('rewrites scale-first Mul and Div scaling exactly', async () => {
    for (const scaling of [
      { op: 'Mul', inputs: ['scale', 's'] },
      { op: 'Div', inputs: ['s', 'scale'] },
    ]) {
      const model = tinyModel(
        [
          { op: 'MatMul', inputs: ['q', 'kt'], outputs: ['s'] },
          { op: scaling.op, inputs: scaling.inputs, outputs: ['scaled'] },
          { op: 'Softmax', inputs: ['scaled'], outputs: ['p'] },
          { op: 'MatMul', inputs: ['p', 'v'], outputs: ['out'] },
        ],
        [q, kt, v],
        [out],
        [scale],
      );
      const sliced = sliceAttention(model, 2);
      expect(sliced.rewritten).toBe(1);
      expect(maxAbsDiff(await run(sliced.model, false), await run(model, false))).toBeLessThanOrEqual(1e-6);
    }
  });

  it('leaves attention with a non-zero bias as it is', async () => {
    const model = tinyModel(
      [
        { op: 'MatMul', inputs: ['q', 'kt'], outputs: ['s'] },
        { op: 'Add', inputs: ['s', 'bias'], outputs: ['biased'] },
        { op: 'Softmax', inputs: ['biased'], outputs: ['p'] },
        { op: 'MatMul', inputs: ['p', 'v'], outputs: ['out'] },
      ],
      [q, kt, v, bias],
      [out],
    );
    const sliced = sliceAttention(model, 2);
    expect(sliced).toMatchObject({ rewritten: 0, skipped: 1 });
    expect(sliced.model).toBe(model);
    expect((await run(sliced.model, true)).length).toBe(60);
  });
});

describe('heapPlan', () => {
  const profile = (f32: number, f16 = 0) => ({
    totalBytes: f32 + f16,
    largestBytes: 0,
    largestName: '',
    bytesByType: { float32: f32, float16: f16 },
    floatType: 'float32' as const,
  });
  it('makes a full-size SD 1.5 UNet heavy on the wasm heap only, with sliced attention', () => {
    expect(heapPlan(profile(3_437_361_920), true)).toEqual({ heapWeightBytes: 3_437_361_920, heavy: true, attentionSlices: HEAVY_ATTENTION_SLICES });
    expect(heapPlan(profile(3_437_361_920), false)).toMatchObject({ heavy: false, attentionSlices: undefined });
    expect(heapPlan(profile(3_437_361_920), true, 'off')).toMatchObject({ heavy: true, attentionSlices: undefined });
  });
  it('counts float16 weights twice (the CPU kernels run on float32 copies) and leaves small models alone', () => {
    expect(heapPlan(profile(0, 1_718_680_960), true)).toMatchObject({ heapWeightBytes: 3_437_361_920, heavy: true });
    expect(heapPlan(profile(6_000_000), true)).toMatchObject({ heavy: false, attentionSlices: undefined });
  });
  it('knows which runtimes keep their sessions in a wasm32 heap', () => {
    expect(runsOnWasmHeap(ort, ['wasm'])).toBe(true);
    expect(runsOnWasmHeap(ort, undefined)).toBe(true);
    expect(runsOnWasmHeap(ort, ['webgpu', 'wasm'])).toBe(false);
    expect(runsOnWasmHeap({ ...ort, env: { ...ort.env, versions: { common: '1.30.0', node: '1.30.0' } } } as never, ['cpu'])).toBe(false);
  });
});

describe('the runtime plans the UNet for the heap', () => {
  it('slices attention when asked, and not for a small model on auto', async () => {
    const repo = await loadModelRepo(new NodeFolderSource(`${TINY}sd`));
    const plans: HeapPlan[] = [];
    const beforeCreate = async (plan: HeapPlan): Promise<void> => void plans.push(plan);
    for (const runtime of [createRuntime({ attentionSlicing: 3 }), createRuntime()]) {
      await (await runtime.createUnet(repo, undefined, { beforeCreate })).release();
    }
    expect(plans.map((p) => [p.attentionSlices, p.heavy])).toEqual([
      [3, false],
      [undefined, false],
    ]);
    expect(plans[0]!.heapWeightBytes).toBeGreaterThan(5e6);
  });
});

describe('golden edits with sliced attention', () => {
  const editors: Editor[] = [];
  afterAll(async () => {
    await Promise.all(editors.map((e) => e.dispose()));
  });
  it.each(CASES)('$name ($operation) still reproduces diffusers output.bin within 1e-4', async ({ name, operation }) => {
    const c = loadCase(name, operation);
    const editor = await createEditor({ model: new NodeFolderSource(c.modelDir), runtime: createRuntime({ attentionSlicing: 3 }) });
    editors.push(editor);
    const p = c.json.params;
    const result = await editor.edit(c.operation, {
      image: caseImage(c),
      mask: caseMask(c),
      prompt: c.json.prompt,
      negativePrompt: c.json.negative_prompt,
      steps: p.num_inference_steps,
      strength: p.strength,
      guidance: p.guidance_scale,
      imageGuidance: p.image_guidance_scale,
      eta: p.eta,
      count: p.num_images_per_prompt,
      scheduler: 'ddim',
      noise: await caseNoise(c),
    });
    expect(maxAbsDiff(result.raw, caseOutput(c))).toBeLessThan(1e-4);
  });
});
