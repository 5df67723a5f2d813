/**
 * Live mode on the real tiny fixture models (WASM): the TAESD path checked
 * numerically against a JS reference of the test autoencoder, the prompt
 * embedding cache, and live sessions on the in-process and the Worker engine.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEditor, type Editor, type EditResult } from '../../core/editor';
import { ModelFormatError } from '../../core/errors';
import { nchwToNhwc01 } from '../../core/image';
import { createWorkerEditor, type WorkerEditor, type WorkerLike } from '../../core/jobs/client';
import { WorkerEngine } from '../../core/jobs/engine';
import { loadTaesd, type LiveResult, type LiveSession } from '../../core/live';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { createRuntime, type HostTensor, type OutputTensor, type StippleRuntime } from '../../core/runtime';
import { caseImage, caseNoise, caseOutput, FIXTURES, loadCase, maxAbsDiff } from '../pipelines/golden';
import { taesdReference, tinyTaesdWeights, writeTinyTaesd } from './tiny-taesd';

const SD = join(FIXTURES, 'sd');
const c = loadCase('sdedit_img2img', 'sdedit');
const image = caseImage(c);
const weights = tinyTaesdWeights();

interface Call {
  file: string;
  feeds: Readonly<Record<string, HostTensor>>;
  out: Record<string, OutputTensor>;
}

/** A runtime that records every run of sessions made by `createSession` (TAESD's) and counts text-encoder runs. */
function spyRuntime(): { runtime: StippleRuntime; calls: Call[]; textRuns: () => number; unetSamples: Float32Array[] } {
  const base = createRuntime();
  const calls: Call[] = [];
  const unetSamples: Float32Array[] = [];
  let textRuns = 0;
  const runtime: StippleRuntime = {
    ...base,
    async createUnet(repo) {
      const unet = await base.createUnet(repo);
      const predict = unet.predict.bind(unet);
      unet.predict = (sample, ...rest) => {
        unetSamples.push(sample.slice());
        return predict(sample, ...rest);
      };
      return unet;
    },
    async createSession(component) {
      const session = await base.createSession(component);
      const run = session.run.bind(session);
      session.run = async (feeds, names) => {
        const out = await run(feeds, names);
        // A copy: the TAESD adapter rescales the output in place.
        const copy = Object.fromEntries(Object.entries(out).map(([k, t]) => [k, { ...t, data: (t.data as Float32Array).slice() }]));
        calls.push({ file: session.file, feeds, out: copy as Record<string, OutputTensor> });
        return out;
      };
      return session;
    },
    async createTextEncoder(repo) {
      const encoder = await base.createTextEncoder(repo);
      const encode = encoder.encode.bind(encoder);
      encoder.encode = (ids) => {
        textRuns++;
        return encode(ids);
      };
      return encoder;
    },
  };
  return { runtime, calls, textRuns: () => textRuns, unetSamples };
}

const LIVE = { prompt: c.json.prompt, negativePrompt: c.json.negative_prompt, steps: 2, strength: 0.5, guidance: 1 } as const;

let taesdDir: string;
const disposers: (() => Promise<void>)[] = [];
beforeAll(() => {
  taesdDir = writeTinyTaesd();
});
afterAll(async () => {
  await Promise.all(disposers.map((d) => d()));
  rmSync(taesdDir, { recursive: true, force: true });
});

async function editorWith(options: { taesd?: boolean; runtime?: StippleRuntime } = {}): Promise<Editor> {
  const editor = await createEditor({
    model: new NodeFolderSource(SD),
    ...(options.taesd ? { taesd: new NodeFolderSource(taesdDir) } : {}),
    ...(options.runtime ? { runtime: options.runtime } : {}),
  });
  disposers.push(() => editor.dispose());
  return editor;
}

function maxAbs64(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Resolves with the first result after `update`s, once the session is up to date. */
function upToDate(live: LiveSession): Promise<LiveResult> {
  return new Promise((resolve, reject) => {
    const stop = live.on('state', (s) => {
      if (s === 'up to date') {
        stop();
        resolve(live.latest!);
      }
    });
    live.on('error', reject);
  });
}

describe('fast decode with TAESD', () => {
  it('encodes pixels in [0, 1] and decodes to the reference within 1e-5', async () => {
    const { runtime, calls } = spyRuntime();
    const editor = await editorWith({ taesd: true, runtime });
    expect(editor.hasFastVae).toBe(true);
    const result = await editor.edit('sdedit', { ...LIVE, image, seed: 3, vae: 'fast' });
    expect(result.meta.vae).toBe('taesd');

    const enc = calls.find((k) => k.file === 'vae_encoder/model.onnx')!;
    const dec = calls.find((k) => k.file === 'vae_decoder/model.onnx')!;
    const pixels = enc.feeds['sample']!.data as Float32Array;
    // TAESD takes pixels in [0, 1]: the image's bytes / 255.
    const expectedPixels = new Float32Array(pixels.length);
    for (let ch = 0; ch < 3; ch++) {
      for (let i = 0; i < 64 * 64; i++) expectedPixels[ch * 4096 + i] = image.data[i * 4 + ch]! / 255;
    }
    expect(maxAbs64(pixels, expectedPixels)).toBeLessThan(1e-6);
    const latents = enc.out['latent_sample']!.data as Float32Array;
    expect(maxAbs64(latents, taesdReference.encode(weights, pixels, 64, 64))).toBeLessThan(1e-5);

    const decIn = dec.feeds['latent_sample']!.data as Float32Array;
    const decOut = dec.out['sample']!.data as Float32Array;
    expect(maxAbs64(decOut, taesdReference.decode(weights, decIn, 8, 8))).toBeLessThan(1e-5);
    // The decoder's [0, 1] output is the result as it is.
    expect(maxAbs64(result.raw, nchwToNhwc01(decOut.map((x) => x * 2 - 1), [1, 3, 64, 64]))).toBeLessThan(1e-6);
  });

  it('uses TAESD latents unscaled (latent scale 1, not 0.18215)', async () => {
    // At the lowest strength the UNet's first input is the image latents plus a little noise:
    // the encoder's output as it is, not 0.18215 times it.
    const { runtime, calls, unetSamples } = spyRuntime();
    const editor = await editorWith({ taesd: true, runtime });
    await editor.edit('sdedit', { ...LIVE, image, seed: 3, vae: 'fast', steps: 50, strength: 0.02 });
    const enc = calls.find((k) => k.file === 'vae_encoder/model.onnx')!.out['latent_sample']!.data as Float32Array;
    const first = unetSamples[0]!;
    expect(first.length).toBe(enc.length);
    const rms = (a: Float32Array): number => Math.sqrt(a.reduce((s, x) => s + x * x, 0) / a.length);
    // Same size (scaled by 0.18215 it would be ~0.2x) and the same pattern.
    expect(rms(first) / rms(enc)).toBeGreaterThan(0.8);
    expect(rms(first) / rms(enc)).toBeLessThan(1.25);
    const dot = first.reduce((s, x, i) => s + x * enc[i]!, 0);
    expect(dot / (first.length * rms(first) * rms(enc))).toBeGreaterThan(0.8);
  });

  it('without a TAESD, vae "fast" falls back to the full VAE and gives the full result', async () => {
    const editor = await editorWith();
    expect(editor.hasFastVae).toBe(false);
    const fast = await editor.edit('sdedit', { ...LIVE, image, seed: 5, vae: 'fast' });
    const full = await editor.edit('sdedit', { ...LIVE, image, seed: 5 });
    expect(fast.meta.vae).toBe('vae');
    expect(maxAbsDiff(fast.raw, full.raw)).toBe(0);
  });

  it('a TAESD folder without its decoder is refused, naming the file', async () => {
    const { mkdtempSync, mkdirSync, copyFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const half = mkdtempSync(join(tmpdir(), 'stipple-taesd-half-'));
    try {
      mkdirSync(join(half, 'vae_encoder'));
      copyFileSync(join(taesdDir, 'vae_encoder', 'model.onnx'), join(half, 'vae_encoder', 'model.onnx'));
      const error = await loadTaesd(new NodeFolderSource(half)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelFormatError);
      expect((error as Error).message).toMatch(/vae_decoder\/model\.onnx/);
    } finally {
      rmSync(half, { recursive: true, force: true });
    }
  });
});

describe('prompt embedding cache', () => {
  it('encodes a prompt once while it is unchanged, and still matches diffusers within 2e-3', async () => {
    const { runtime, textRuns } = spyRuntime();
    const editor = await editorWith({ runtime });
    const p = c.json.params;
    const golden = async (): Promise<EditResult> =>
      editor.edit('sdedit', {
        image,
        prompt: c.json.prompt,
        negativePrompt: c.json.negative_prompt,
        steps: p.num_inference_steps,
        strength: p.strength,
        guidance: p.guidance_scale,
        scheduler: 'ddim',
        noise: await caseNoise(c),
      });
    const first = await golden();
    const second = await golden();
    expect(textRuns()).toBe(1);
    expect(maxAbsDiff(first.raw, caseOutput(c))).toBeLessThan(2e-3);
    expect(maxAbsDiff(second.raw, first.raw)).toBe(0);
    await editor.edit('sdedit', { ...LIVE, image, prompt: 'another prompt', seed: 1 });
    expect(textRuns()).toBe(2);
    await golden();
    expect(textRuns()).toBe(3);
  });
});

describe('live sessions on real engines', () => {
  it('in process: a burst of updates runs at most twice, results are TAESD, Keep equals a full edit', async () => {
    const editor = await editorWith({ taesd: true });
    const live = editor.live({ operation: 'sdedit', ...LIVE, seed: 11 });
    disposers.push(async () => live.close());
    const done = upToDate(live);
    const shades = [0, 40, 80, 120, 160];
    for (const shade of shades) live.update({ ...image, data: image.data.map((v, i) => (i % 4 === 3 ? v : (v + shade) % 256)) });
    const latest = await done;
    expect(live.stats.runsStarted).toBeLessThanOrEqual(2);
    expect(latest.version).toBe(shades.length);
    expect(latest.result.meta.vae).toBe('taesd');
    expect(latest.result.meta.params.seed).toBe(11);

    // Same state again: the same pixels (fixed seed, deterministic engine).
    const again = upToDate(live);
    const lastImage = { ...image, data: image.data.map((v, i) => (i % 4 === 3 ? v : (v + 160) % 256)) };
    live.update(lastImage);
    expect(maxAbsDiff((await again).result.raw, latest.result.raw)).toBe(0);

    const kept = await live.keep();
    expect(kept.meta.vae).toBe('vae');
    const direct = await editor.edit('sdedit', { ...LIVE, image: lastImage, seed: 11 });
    expect(maxAbsDiff(kept.raw, direct.raw)).toBe(0);
    expect(maxAbsDiff(kept.raw, latest.result.raw)).toBeGreaterThan(1e-3);
  });

  it('in a Worker engine (MessageChannel): TAESD from { url }, live results and Keep', async () => {
    const worker = (): WorkerLike => {
      const { port1, port2 } = new MessageChannel();
      const endpoint = (port: MessagePort): WorkerLike => {
        (port as unknown as { start(): void }).start();
        return Object.assign(port as unknown as WorkerLike, { terminate: () => port.close() });
      };
      new WorkerEngine(endpoint(port2), {
        openSource: (m) => {
          if (!('url' in m)) throw new Error('only { url } in this test');
          return new NodeFolderSource(m.url);
        },
        probe: async () => ({ ok: false, reason: 'Node has no WebGPU' }),
      });
      return endpoint(port1);
    };
    const editor: WorkerEditor = await createWorkerEditor({ worker, model: { url: SD }, taesd: { url: taesdDir } });
    disposers.push(() => editor.dispose());
    expect(editor.info.fastVae).toBe(true);
    const live = editor.live({ operation: 'sdedit', ...LIVE, seed: 11 });
    const done = upToDate(live);
    live.update(image);
    const latest = await done;
    expect(latest.result.meta.vae).toBe('taesd');
    const inProcess = await (await editorWith({ taesd: true })).edit('sdedit', { ...LIVE, image, seed: 11, vae: 'fast' });
    // Same model, seed and state; the engines may differ in session shapes and threads, so only float rounding.
    expect(maxAbsDiff(latest.result.raw, inProcess.raw)).toBeLessThan(1e-5);
    const kept = await live.keep();
    expect(kept.meta.vae).toBe('vae');
    live.close();
  });
});
