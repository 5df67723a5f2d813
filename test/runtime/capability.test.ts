/**
 * The capability estimate (core/runtime/capability.ts) on the full-size SD 1.5
 * graphs without their weights (test/fixtures/realscale: the external data's
 * lengths are in the headers), checked against what was measured on
 * onnxruntime-web's WASM backend in Node, and the editor's early refusal.
 */
import { describe, expect, it } from 'vitest';
import { createEditor } from '../../core/editor';
import { ResourceLimitError } from '../../core/errors';
import { loadModelRepo } from '../../core/models';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { createRuntime, type StippleRuntime } from '../../core/runtime';
import {
  attentionBytes,
  backendLimits,
  estimateFit,
  largestFittingSide,
  readFootprint,
  summarizeCapability,
  WASM_HEAP_BYTES,
  WASM_OVERHEAD_BYTES,
  type ModelFootprint,
} from '../../core/runtime/capability';
import { outOfMemoryError } from '../../core/runtime/memory-errors';
import { FIXTURES, TINY } from './helpers';

const REALSCALE = `${FIXTURES}realscale/`;
const footprint = async (dir: string): Promise<ModelFootprint> => readFootprint(await loadModelRepo(new NodeFolderSource(dir)));
const wasm = backendLimits('wasm');

/**
 * Measured: the fp32 UNet alone in a heap, batch 1, one step, fresh process
 * each (test/realscale/probe-unet.mjs; the README's "Full-size models").
 */
const MEASURED_WASM_UNET: Record<number, 'runs' | 'bad_alloc'> = { 32: 'runs', 40: 'runs', 48: 'bad_alloc', 64: 'bad_alloc' };

/** The estimate for the UNet alone in the heap (the editor's lowMemory denoise phase), batch 1. */
function unetAloneFits(model: ModelFootprint, latentSide: number): boolean {
  const side = latentSide * model.vaeScaleFactor;
  const fit = estimateFit(model, wasm, { width: side, height: side, unetBatch: 1, lowMemory: true });
  const denoise = fit.phases.find((p) => p.phase === 'denoise')!;
  return denoise.totalBytes + fit.overheadBytes <= WASM_HEAP_BYTES;
}

describe('capability estimate', () => {
  it('reads weight bytes, dtypes and attention shapes from the headers and configs', async () => {
    const sd = await footprint(`${REALSCALE}sd`);
    expect(sd.weights.unet.totalBytes).toBeGreaterThan(3.43e9);
    expect(sd.weights.unet.totalBytes).toBeLessThan(3.45e9);
    expect(sd.weights.unet.floatType).toBe('float32');
    expect(sd.attention).toEqual([
      { downsample: 1, channels: 320, heads: 8 },
      { downsample: 2, channels: 640, heads: 8 },
      { downsample: 4, channels: 1280, heads: 8 },
      { downsample: 8, channels: 1280, heads: 8 },
    ]);
    expect(sd.sizeMultiple).toBe(64);
    const fp16 = await footprint(`${REALSCALE}sd-fp16`);
    expect(fp16.weights.unet.floatType).toBe('float16');
    expect(fp16.weights.unet.totalBytes).toBeLessThan(0.51 * sd.weights.unet.totalBytes);
    const tiny = await footprint(`${TINY}sd`);
    expect(tiny.attention.length).toBeGreaterThan(0);
    expect(tiny.weights.unet.totalBytes).toBeLessThan(10e6);
  });

  it('predicts the measured WASM boundary of the fp32 UNet exactly', async () => {
    const sd = await footprint(`${REALSCALE}sd`);
    for (const [side, result] of Object.entries(MEASURED_WASM_UNET)) {
      expect([side, unetAloneFits(sd, Number(side))]).toEqual([side, result === 'runs']);
    }
  });

  it('counts float16 weights at float32 size on the CPU (measured: the fp16 UNet fails where the fp32 one does) but not on WebGPU', async () => {
    const fp16 = await footprint(`${REALSCALE}sd-fp16`);
    expect(unetAloneFits(fp16, 40)).toBe(true);
    expect(unetAloneFits(fp16, 48)).toBe(false);
    const gpu = { backend: 'webgpu' as const, maxBufferBytes: 2 ** 30, shaderF16: true };
    expect(estimateFit(fp16, gpu, { width: 512, height: 512, unetBatch: 2 }).fits).toBe(true);
    const noF16 = estimateFit(fp16, { ...gpu, shaderF16: false }, { width: 512, height: 512, unetBatch: 2 });
    expect(noF16).toMatchObject({ fits: false, reason: expect.stringMatching(/shader-f16/) });
  });

  it('a full-size edit at 512 px does not fit WASM and says what would; the attention plan switches the verdict', async () => {
    const sd = await footprint(`${REALSCALE}sd`);
    const shape = { unetBatch: 2 };
    const summary = summarizeCapability(sd, wasm, { ...shape, width: 512, height: 512 });
    expect(summary).toMatchObject({ backend: 'wasm', fits: false, limitBytes: WASM_HEAP_BYTES });
    // The editor keeps the text encoder with the UNet: at no size does it fit.
    expect(summary.maxSide).toBe(0);
    expect(summary.message).toMatch(/WebGPU or the native runtime/);
    // lowMemory keeps the UNet alone while denoising (it runs at 320 px) but
    // with the VAE decoder while decoding: up to 192 px.
    const low = summarizeCapability(sd, wasm, { unetBatch: 1, lowMemory: true, width: 512, height: 512 });
    expect(low).toMatchObject({ fits: false, maxSide: 192 });
    expect(low.message).toBe('runs here at up to 192 px on WASM; 512 px needs WebGPU or the native runtime');
    // Sliced attention (one score matrix at a time) brings the denoise phase at 512 px under the wall.
    const sliced = estimateFit(sd, wasm, { unetBatch: 1, lowMemory: true, width: 512, height: 512, attention: { kind: 'sliced', sliceSize: 1 } });
    const denoise = sliced.phases.find((p) => p.phase === 'denoise')!;
    expect(denoise.totalBytes + sliced.overheadBytes).toBeLessThan(WASM_HEAP_BYTES);
    expect(attentionBytes({ kind: 'full' }, 8, 4096)).toBe(2 * 512 * 2 ** 20);
    expect(attentionBytes({ kind: 'chunked', queryChunk: 1024 }, 8, 4096)).toBe(2 * 128 * 2 ** 20);
    // The native runtime on a 24 GiB machine fits; on a 4 GiB one it does not.
    expect(estimateFit(sd, backendLimits('native', 24 * 2 ** 30), { ...shape, width: 512, height: 512 }).fits).toBe(true);
    expect(estimateFit(sd, backendLimits('native', 4 * 2 ** 30), { ...shape, width: 512, height: 512 }).fits).toBe(false);
    expect(largestFittingSide(sd, backendLimits('native', 24 * 2 ** 30), shape)).toBeGreaterThanOrEqual(768);
  });

});

describe('editor: an edit that cannot fit fails before loading', () => {
  /** A runtime that counts the sessions it is asked to create. */
  function counting(): { runtime: StippleRuntime; created: string[] } {
    const inner = createRuntime();
    const created: string[] = [];
    const runtime: StippleRuntime = {
      ...inner,
      createSession: (c) => (created.push(c.name), inner.createSession(c)),
      createTextEncoder: (r, p) => (created.push('text_encoder'), inner.createTextEncoder(r, p)),
      createUnet: (r, p) => (created.push('unet'), inner.createUnet(r, p)),
      createVaeEncoder: (r, p) => (created.push('vae_encoder'), inner.createVaeEncoder(r, p)),
      createVaeDecoder: (r, p) => (created.push('vae_decoder'), inner.createVaeDecoder(r, p)),
    };
    return { runtime, created };
  }
  const image = { width: 64, height: 64, data: new Uint8ClampedArray(64 * 64 * 4).fill(128) };

  it('the full-size model (no weights on disk) at 512 px on WASM: ResourceLimitError, no session', async () => {
    const { runtime, created } = counting();
    const editor = await createEditor({ model: new NodeFolderSource(`${REALSCALE}sd`), runtime });
    const big = { width: 512, height: 512, data: new Uint8ClampedArray(512 * 512 * 4).fill(90) };
    const error = await editor.edit('sdedit', { image: big, prompt: 'a fox', steps: 2, seed: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceLimitError);
    expect((error as ResourceLimitError).code).toBe('RESOURCE_LIMIT');
    expect((error as Error).message).toMatch(/512x512 px on WASM.*4\.0 GiB.*Nothing was downloaded or loaded.*WebGPU or the native runtime/s);
    expect(created).toEqual([]);
    await editor.dispose();
  });

  it('a fitting edit carries the verdict in its metadata; tiny limits refuse it', async () => {
    const editor = await createEditor({ model: new NodeFolderSource(`${TINY}sd`) });
    const result = await editor.edit('sdedit', { image, prompt: 'a fox', steps: 2, seed: 1 });
    expect(result.meta.capability).toMatchObject({ backend: 'wasm', fits: true, width: 64, height: 64 });
    expect(result.meta.capability!.maxSide).toBeGreaterThanOrEqual(512);
    await editor.dispose();

    const { runtime, created } = counting();
    const tight = await createEditor({ model: new NodeFolderSource(`${TINY}sd`), runtime, limits: { backend: 'wasm', memoryBytes: 2 ** 20 } });
    await expect(tight.edit('sdedit', { image, prompt: 'a fox', steps: 2, seed: 1 })).rejects.toThrow(ResourceLimitError);
    expect(created).toEqual([]);
    await tight.dispose();
  });

  it('out-of-memory from ONNX Runtime: the wasm heap, not "close other tabs"', () => {
    const error = outOfMemoryError(createRuntime().ort, 'unet/model.onnx', 'run', 'failed to call OrtRun(). ERROR_CODE: 6, ERROR_MESSAGE: std::bad_alloc', null);
    expect(error).toBeInstanceOf(ResourceLimitError);
    expect(error!.message).toMatch(/WASM memory is full.*4 GiB.*however much memory this computer has/);
    expect(error!.message).not.toMatch(/tabs/);
    expect(outOfMemoryError(createRuntime().ort, 'unet/model.onnx', 'run', 'Invalid input name', null)).toBeUndefined();
  });
});
