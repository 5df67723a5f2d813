/**
 * Real ONNX Runtime (wasm) sessions on the three export families of the tiny
 * SD model: current Optimum (tiny-sd/sd), Optimum 1.22 (int32 ids, int64
 * [steps] timestep, in-graph VAE sample) and external data. The adapters must
 * hide every difference: same numbers out of all three, equal to diffusers'.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelRepo, type ModelRepo } from '../../core/models';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { createRuntime, type ComponentSessions } from '../../core/runtime';
import { FAMILIES, GOLDEN, maxAbsDiff, readCase, readF32, readPixels } from './helpers';

const sdedit = readCase('sdedit_img2img');
const promptEmbeds = readF32(`${GOLDEN}sdedit_img2img/prompt_embeds.bin`);
const negativeEmbeds = readF32(`${GOLDEN}sdedit_img2img/negative_prompt_embeds.bin`);
const unetIn = readF32(`${GOLDEN}sdedit_img2img/trace_unet_in.bin`);
const unetOut = readF32(`${GOLDEN}sdedit_img2img/trace_unet_out.bin`);
const tracedLatents = readF32(`${GOLDEN}sdedit_img2img/trace_latents.bin`);
const outputImage = readF32(`${GOLDEN}sdedit_img2img/output.bin`);

/** Step 0 of the SDEdit trace: batch 2 (negative, positive) at timestep 501. */
const STEP0 = 2 * 4 * 8 * 8;
const sample0 = unetIn.subarray(0, STEP0);
const ehs = new Float32Array([...negativeEmbeds, ...promptEmbeds]);

type Family = keyof typeof FAMILIES;
const runtime = createRuntime();
const repos = {} as Record<Family, ModelRepo>;
const sessions = {} as Record<Family, ComponentSessions>;
const results = {} as Record<Family, { unet: Float32Array; decoded: Float32Array }>;

beforeAll(async () => {
  for (const [family, dir] of Object.entries(FAMILIES) as [Family, string][]) {
    repos[family] = await loadModelRepo(new NodeFolderSource(dir));
    sessions[family] = await runtime.createAll(repos[family]);
  }
});

afterAll(async () => {
  for (const s of Object.values(sessions)) {
    await Promise.all([s.textEncoder.release(), s.unet.release(), s.vaeEncoder.release(), s.vaeDecoder.release()]);
  }
});

describe.each(Object.keys(FAMILIES) as Family[])('%s', (family) => {
  it('reads the export signature from the session metadata', () => {
    const s = sessions[family];
    const old = family === 'optimum-1.22/sd';
    expect(s.textEncoder.idsType).toBe(old ? 'int32' : 'int64');
    expect(s.unet.timestepType).toBe(old ? 'int64' : 'float32');
    expect(s.unet.timestepLayout).toBe(old ? 'batch' : 'scalar');
    expect(s.unet.inChannels).toBe(4);
    expect(s.vaeEncoder.outputKind).toBe(old ? 'sample' : 'parameters');
  });

  it('text encoder reproduces diffusers prompt_embeds', async () => {
    const out = await sessions[family].textEncoder.encode([sdedit.prompt_input_ids]);
    expect(out.dims).toEqual([1, 77, 32]);
    expect(maxAbsDiff(out.data, promptEmbeds)).toBeLessThan(1e-4);
  });

  it('text encoder takes a batch', async () => {
    const out = await sessions[family].textEncoder.encode([sdedit.negative_prompt_input_ids, sdedit.prompt_input_ids]);
    expect(out.dims).toEqual([2, 77, 32]);
    expect(maxAbsDiff(out.data, ehs)).toBeLessThan(1e-4);
  });

  it('UNet at batch 2, timestep 501 reproduces diffusers trace step 0', async () => {
    expect(sdedit.timesteps_used[0]).toBe(501);
    const out = await sessions[family].unet.predict(sample0, [2, 4, 8, 8], 501, ehs, [2, 77, 32]);
    expect(out.length).toBe(STEP0);
    expect(maxAbsDiff(out, unetOut.subarray(0, STEP0))).toBeLessThan(1e-4);
    results[family] = { ...results[family], unet: out };
  });

  it('VAE decoder reproduces diffusers output image', async () => {
    const last = tracedLatents.subarray(5 * 256, 6 * 256);
    const scaled = last.map((v) => v / repos[family].scalingFactor);
    const { data, dims } = await sessions[family].vaeDecoder.decode(scaled, [1, 4, 8, 8]);
    expect(dims).toEqual([1, 3, 64, 64]);
    const nhwc = new Float32Array(64 * 64 * 3);
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < 64 * 64; i++) nhwc[i * 3 + c] = Math.min(1, Math.max(0, data[c * 4096 + i]! / 2 + 0.5));
    }
    expect(maxAbsDiff(nhwc, outputImage)).toBeLessThan(1e-4);
    results[family] = { ...results[family], decoded: data };
  });

  it('VAE encoder returns the kind of latents the export gives', async () => {
    const pixels = readPixels(`${GOLDEN}ip2p/input.png`);
    const out = await sessions[family].vaeEncoder.encode(pixels.data, pixels.dims);
    expect(out.dims).toEqual([1, 4, 8, 8]);
    if (family === 'optimum-1.22/sd') {
      expect(out.kind).toBe('sample');
      if (out.kind === 'sample') expect(out.sample.every(Number.isFinite)).toBe(true);
    } else {
      expect(out.kind).toBe('parameters');
      if (out.kind !== 'parameters') return;
      // InstructPix2Pix feeds the posterior mode (the mean) to the UNet, unscaled:
      // channels 4..7 of its first UNet input are exactly our mean.
      const ip2pIn = readF32(`${GOLDEN}ip2p/trace_unet_in.bin`);
      expect(maxAbsDiff(out.mean, ip2pIn.subarray(4 * 64, 8 * 64))).toBeLessThan(1e-4);
      expect(out.logvar.length).toBe(256);
    }
  });
});

describe('across families', () => {
  it('UNet and VAE decoder outputs are equal (within 1e-5)', () => {
    const ref = results['tiny-sd/sd'];
    for (const family of ['optimum-1.22/sd', 'external-data/sd'] as const) {
      expect(maxAbsDiff(results[family].unet, ref.unet)).toBeLessThan(1e-5);
      expect(maxAbsDiff(results[family].decoded, ref.decoded)).toBeLessThan(1e-5);
    }
  });

  it('external-data components are created from bytes with externalData', async () => {
    const repo = repos['external-data/sd'];
    expect(repo.components.unet.externalDataPaths).toEqual(['unet/model.onnx_data']);
    expect(repo.components.vae_decoder.externalDataPaths).toEqual([]);
    const files = await repo.components.unet.load();
    expect(files.externalData?.map((d) => d.path)).toEqual(['model.onnx_data']);
    expect((files.externalData?.[0]?.data as Uint8Array).byteLength).toBe(5665792);
    const te = await repo.components.text_encoder.load();
    expect(te.externalData?.map((d) => d.path)).toEqual(['model.onnx_data']);
  });
});
