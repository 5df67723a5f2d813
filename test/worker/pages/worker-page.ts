/**
 * Test page for the browser runtime: drives {@link WorkerEditor}s from
 * `window.stippleTest`, which the Node side calls through page.evaluate with
 * JSON in and JSON out (numbers, not tensors).
 */
import { createWorkerEditor, type WorkerEditor, type WorkerEditResult } from '../../../core/jobs/client';
import type { EngineInfo, EngineOptions, EngineStats } from '../../../core/jobs/protocol';
import { maskFromImage, type RgbaImage } from '../../../core/image';
import type { EditRequest, Operation } from '../../../core/pipelines/request';
import type { LoopReport } from '../../../core/pipelines/denoise';
import { loadFixtureNoise } from '../../../core/tensor';
import type { ProgressCallback } from '../../../core/jobs/progress';

export interface OpenArgs {
  model: string;
  backend?: EngineOptions['backend'];
  numThreads?: number;
  residency?: boolean;
  lowMemory?: boolean;
  nogpu?: boolean;
}

export interface RunSummary {
  maxDiff: number;
  timestepsMatch: boolean;
  noiseRemaining: number | undefined;
  loop: LoopReport | undefined;
  previews: number[];
  steps: number;
  stepMs: number[];
  unetMs: number[];
  width: number;
  height: number;
  /** ms from the edit's start to each phase's start, and to the result. */
  phases: Record<string, number>;
}

export interface CancelSummary {
  error: { name: string; code?: string; message: string };
  stepsSeen: number;
  before: EngineStats;
  after: EngineStats;
}

const editors = new Map<string, { editor: WorkerEditor; workers: Worker[] }>();
let lastRaw: Float32Array | undefined;
const origin = location.origin;

async function bytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function png(url: string): Promise<RgbaImage> {
  const bitmap = await createImageBitmap(await (await fetch(url)).blob(), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0);
  const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height, { colorSpace: 'srgb' }).data;
  return { width: bitmap.width, height: bitmap.height, data };
}

interface GoldenJson {
  prompt: string;
  negative_prompt: string;
  model_dir: string;
  params: { num_inference_steps: number; guidance_scale: number; strength?: number; image_guidance_scale?: number; eta: number };
  timesteps_used: number[];
  output: { file: string };
  files: { input_image: string; mask_image?: string };
}

async function goldenRequest(name: string): Promise<{ json: GoldenJson; request: EditRequest; expected: Float32Array }> {
  const dir = `${origin}/fixtures/tiny-sd/golden/${name}/`;
  const json = (await (await fetch(`${dir}case.json`)).json()) as GoldenJson;
  const p = json.params;
  const noise = await loadFixtureNoise(json, (file) => bytes(dir + file));
  const out = await bytes(dir + json.output.file);
  const request: EditRequest = {
    image: await png(dir + json.files.input_image),
    mask: json.files.mask_image ? maskFromImage(await png(dir + json.files.mask_image)) : undefined,
    prompt: json.prompt,
    negativePrompt: json.negative_prompt,
    steps: p.num_inference_steps,
    strength: p.strength,
    guidance: p.guidance_scale,
    imageGuidance: p.image_guidance_scale,
    eta: p.eta,
    scheduler: 'ddim',
    noise,
  };
  return { json, request, expected: new Float32Array(out.buffer, out.byteOffset, out.byteLength / 4) };
}

/** Collects preview steps and phase start times from progress events. */
function tracker(): { previews: number[]; phases: Record<string, number>; onProgress: ProgressCallback } {
  const start = performance.now();
  const previews: number[] = [];
  const phases: Record<string, number> = {};
  return {
    previews,
    phases,
    onProgress: (e) => {
      if (e.type === 'preview') previews.push(e.step);
      if (e.type === 'phase') phases[e.phase] = Math.round(performance.now() - start);
      if (e.type === 'step' && e.step === 1) phases['first-step-done'] = Math.round(performance.now() - start);
    },
  };
}

function summarize(
  result: WorkerEditResult,
  expected: Float32Array | undefined,
  json: GoldenJson | undefined,
  track: { previews: number[]; phases: Record<string, number> },
  started: number,
): RunSummary {
  const previews = track.previews;
  let maxDiff = expected ? 0 : NaN;
  if (expected) {
    if (expected.length !== result.raw.length) maxDiff = Infinity;
    else for (let i = 0; i < expected.length; i++) maxDiff = Math.max(maxDiff, Math.abs(expected[i]! - result.raw[i]!));
  }
  return {
    maxDiff,
    timestepsMatch: json ? JSON.stringify(result.meta.timesteps) === JSON.stringify(json.timesteps_used) : true,
    noiseRemaining: result.noiseRemaining,
    loop: result.timings.loop,
    previews,
    steps: result.meta.timesteps.length,
    stepMs: result.timings.stepMs,
    unetMs: result.timings.unetMs,
    width: result.images[0]!.width,
    height: result.images[0]!.height,
    phases: { ...track.phases, done: Math.round(performance.now() - started) },
  };
}

const api = {
  async open(key: string, args: OpenArgs): Promise<EngineInfo> {
    const workers: Worker[] = [];
    const editor = await createWorkerEditor({
      worker: () => {
        const w = new Worker(`/worker/test-worker.js${args.nogpu ? '?nogpu' : ''}`, { type: 'module' });
        workers.push(w);
        return w;
      },
      model: { url: `${origin}/fixtures/tiny-sd/${args.model}/` },
      backend: args.backend,
      numThreads: args.numThreads,
      residency: args.residency,
      lowMemory: args.lowMemory,
      wasmPaths: `${origin}/ort/`,
      instrument: true,
    });
    editors.set(key, { editor, workers });
    return editor.info;
  },

  async golden(key: string, name: string, operation: Operation, opts: { previewEvery?: number; residency?: boolean } = {}): Promise<RunSummary> {
    const { editor } = editors.get(key)!;
    const { json, request, expected } = await goldenRequest(name);
    const track = tracker();
    const started = performance.now();
    const result = await editor.edit(
      operation,
      { ...request, previewEvery: opts.previewEvery, onProgress: track.onProgress },
      { residency: opts.residency },
    );
    return summarize(result, expected, json, track, started);
  },

  /** A seeded edit of the golden case's image with other settings (timing, schedulers, sizes). */
  async run(
    key: string,
    name: string,
    operation: Operation,
    overrides: Partial<Pick<EditRequest, 'steps' | 'scheduler' | 'strength' | 'seed' | 'count' | 'previewEvery' | 'eta'>> & { residency?: boolean; size?: number },
  ): Promise<RunSummary> {
    const { editor } = editors.get(key)!;
    const { request } = await goldenRequest(name);
    const { residency, size, ...rest } = overrides;
    const image = size ? scaleImage(request.image, size) : request.image;
    const mask = request.mask && size ? maskFromImage(scaleImage(maskToImage(request.mask), size)) : request.mask;
    const track = tracker();
    const started = performance.now();
    const result = await editor.edit(
      operation,
      {
        ...request,
        image,
        mask,
        noise: undefined,
        seed: 1,
        maxWorkingPixels: size ? size * size : undefined,
        ...rest,
        onProgress: track.onProgress,
      },
      { residency },
    );
    lastRaw = result.raw;
    return summarize(result, undefined, undefined, track, started);
  },

  /** The same seeded edit on the GPU loop and on the CPU loop: max |difference| of the outputs. */
  async compareLoops(
    key: string,
    name: string,
    operation: Operation,
    overrides: Partial<Pick<EditRequest, 'steps' | 'scheduler' | 'strength' | 'eta'>>,
    size?: number,
  ): Promise<{ maxDiff: number; gpu: RunSummary; cpu: RunSummary }> {
    const gpu = await api.run(key, name, operation, { ...overrides, size, residency: true });
    const a = lastRaw!;
    const cpu = await api.run(key, name, operation, { ...overrides, size, residency: false });
    const b = lastRaw!;
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    return { maxDiff, gpu, cpu };
  },

  async cancel(key: string, name: string, operation: Operation, afterSteps: number): Promise<CancelSummary> {
    const { editor } = editors.get(key)!;
    const { request } = await goldenRequest(name);
    const before = await editor.stats();
    const controller = new AbortController();
    let stepsSeen = 0;
    let error: CancelSummary['error'] = { name: 'none', message: 'the edit finished' };
    try {
      await editor.edit(operation, {
        ...request,
        noise: undefined,
        seed: 5,
        steps: 30,
        strength: 1,
        signal: controller.signal,
        onProgress: (e) => {
          if (e.type === 'step' && ++stepsSeen === afterSteps) controller.abort();
        },
      });
    } catch (e) {
      const err = e as { name: string; code?: string; message: string };
      error = { name: err.name, code: err.code, message: err.message };
    }
    return { error, stepsSeen, before, after: await editor.stats() };
  },

  /** Loses the GPU device after `afterSteps` steps, then retries on WASM through the error's retryOnWasm(). */
  async loseDevice(key: string, name: string, operation: Operation, afterSteps: number) {
    const entry = editors.get(key)!;
    const { json, request, expected } = await goldenRequest(name);
    let stepsSeen = 0;
    let lost = false;
    try {
      await entry.editor.edit(operation, {
        ...request,
        onProgress: (e) => {
          if (e.type === 'step' && ++stepsSeen === afterSteps && !lost) {
            lost = true;
            entry.workers.at(-1)!.postMessage({ type: 'test-lose-device' });
          }
        },
      });
      return { error: undefined };
    } catch (e) {
      const err = e as { name: string; code?: string; message: string; canRetryOnWasm?: boolean; retryOnWasm?: () => Promise<WorkerEditResult> };
      // The page's ReplayNoise was only copied into the worker, so the retry replays it from the start.
      const retried = err.retryOnWasm ? await err.retryOnWasm() : undefined;
      return {
        error: { name: err.name, code: err.code, message: err.message, canRetryOnWasm: err.canRetryOnWasm },
        stepsSeen,
        retried: retried && summarize(retried, expected, json, { previews: [], phases: {} }, performance.now()),
        backendAfter: entry.editor.info.backend.backend,
      };
    }
  },

  async stats(key: string): Promise<EngineStats> {
    return editors.get(key)!.editor.stats();
  },

  async close(key: string): Promise<void> {
    await editors.get(key)?.editor.dispose();
    editors.delete(key);
  },

  env() {
    return { crossOriginIsolated, hardwareConcurrency: navigator.hardwareConcurrency, webgpu: 'gpu' in navigator };
  },
};

function maskToImage(mask: { width: number; height: number; data: Float32Array }): RgbaImage {
  const data = new Uint8ClampedArray(mask.width * mask.height * 4);
  for (let i = 0; i < mask.data.length; i++) data.fill(Math.round(mask.data[i]! * 255), i * 4, i * 4 + 4);
  return { width: mask.width, height: mask.height, data };
}

/** Nearest-neighbour resize to size x size (test inputs only). */
function scaleImage(img: RgbaImage, size: number): RgbaImage {
  const data = new Uint8ClampedArray(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const sx = Math.floor((x * img.width) / size);
      const sy = Math.floor((y * img.height) / size);
      data.set(img.data.subarray((sy * img.width + sx) * 4, (sy * img.width + sx) * 4 + 4), (y * size + x) * 4);
    }
  }
  return { width: size, height: size, data };
}

export type StippleTestApi = typeof api;
(globalThis as unknown as { stippleTest: StippleTestApi }).stippleTest = api;
(globalThis as unknown as { stippleReady: boolean }).stippleReady = true;
