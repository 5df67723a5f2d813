/**
 * `npm run bench realscale` (issue 17): full-size SD 1.5 (random weights,
 * filled into $STIPPLE_REALSCALE_CACHE, see test/realscale/weights.ts) per
 * backend and working size:
 *
 * - UNet load through the SDK (`createUnet`: read, inspect, create) against a
 *   bare `InferenceSession.create` with the same options (goal <= 1.1x);
 * - one UNet step through the SDK (`UnetSession.predict`) against the bare
 *   `session.run` with the same feeds (goal: SDK share <= 2%);
 * - VAE decode time; peak process RSS and wasm heap.
 *
 * Each backend runs in a fresh process (memory isolation, ORT-web reads its
 * thread count once). Sizes the capability estimate rejects are reported as
 * such, not run: on WASM 512 px does not fit the 4 GiB heap, so WASM runs at
 * 256 px (32x32 latents; the UNet alone fits up to 320 px).
 * Opt-in: not part of a plain `npm run bench` (GBs of memory, minutes).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadModelRepo } from '../../core/models';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { nativeRuntimeInstalled, openRuntime } from '../../core/runtime';
import { backendLimits, estimateFit, readFootprint } from '../../core/runtime/capability';
import { realscaleRepo, watchRss, watchWasmHeaps } from '../realscale/weights';
import { median } from './measure';

/** The argument that makes `dist/bench.js` measure one backend at one size and print JSON (see main.ts). */
export const REALSCALE_CHILD = 'realscale-child';

interface Row {
  backend: string;
  side: number;
  estimate: string;
  sdkLoadS?: number;
  bareLoadS?: number;
  sdkStepS?: number;
  bareStepS?: number;
  vaeDecodeS?: number;
  peakRssGiB?: number;
  wasmHeapGiB?: number;
  error?: string;
}

const PLAN: { backend: 'native' | 'wasm'; side: number }[] = [
  { backend: 'native', side: 512 },
  // WASM at 256 px: there the export's own graph (the bare call) fits the heap too, so both sides run;
  // at 512 px only the sliced graph does (test:realscale runs that edit).
  { backend: 'wasm', side: 256 },
];

export async function benchRealscale(): Promise<void> {
  const repo = await loadModelRepo(new NodeFolderSource(realscaleRepo('sd')));
  const footprint = await readFootprint(repo);
  const native = await nativeRuntimeInstalled();
  const rows: Row[] = [];
  for (const { backend, side } of PLAN) {
    if (backend === 'native' && !native) continue;
    const limits = backend === 'wasm' ? backendLimits('wasm') : backendLimits('native', totalmem());
    // The bench holds the UNet alone (as lowMemory's denoising phase), batch 1.
    const fit = estimateFit(footprint, limits, { width: side, height: side, unetBatch: 1, lowMemory: true });
    const denoise = fit.phases.find((p) => p.phase === 'denoise')!;
    const unetFits = limits.memoryBytes === undefined || denoise.totalBytes + fit.overheadBytes <= limits.memoryBytes;
    const estimate = `${unetFits ? 'fits' : 'does not fit'} (${((denoise.totalBytes + fit.overheadBytes) / 2 ** 30).toFixed(2)} GiB)`;
    if (!unetFits) {
      rows.push({ backend, side, estimate });
      continue;
    }
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [process.argv[1]!, REALSCALE_CHILD, backend, String(side)], {
        maxBuffer: 1 << 20,
      });
      rows.push({ ...(JSON.parse(stdout.trim().split('\n').at(-1)!) as Row), estimate });
    } catch (error) {
      rows.push({ backend, side, estimate, error: String((error as Error).message).slice(-200) });
    }
  }
  console.log('Full-size SD 1.5 (random weights), UNet batch 1, 2 threads; times in s, memory in GiB.');
  console.table(
    rows.map((r) => ({
      backend: r.backend,
      px: r.side,
      'estimate (UNet alone)': r.estimate,
      'load sdk / bare': r.sdkLoadS === undefined ? '-' : `${r.sdkLoadS.toFixed(1)} / ${r.bareLoadS!.toFixed(1)} = ${(r.sdkLoadS / r.bareLoadS!).toFixed(2)}x`,
      'step sdk / bare': r.sdkStepS === undefined ? '-' : `${r.sdkStepS.toFixed(2)} / ${r.bareStepS!.toFixed(2)} = ${pct(r.sdkStepS / r.bareStepS! - 1)}`,
      'vae decode': r.vaeDecodeS?.toFixed(1) ?? '-',
      'peak rss': r.peakRssGiB?.toFixed(2) ?? '-',
      'wasm heap': r.wasmHeapGiB?.toFixed(2) ?? '-',
      ...(r.error ? { error: r.error } : {}),
    })),
  );
}

function pct(x: number): string {
  return `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;
}

/** Runs in the child process: one backend at one size, printed as one JSON line. */
export async function realscaleChild(backend: 'native' | 'wasm', side: number): Promise<void> {
  const heap = watchWasmHeaps();
  const rss = watchRss();
  const dir = realscaleRepo('sd');
  const runtime = await openRuntime(backend, { threads: 2 });
  const ort = runtime.ort;
  const repo = await loadModelRepo(new NodeFolderSource(dir));
  const latent = side / repo.vaeScaleFactor;
  const providers = backend === 'wasm' ? ['wasm'] : ['cpu'];
  const options = { executionProviders: providers, intraOpNumThreads: 2 };
  const seconds = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
    const t = performance.now();
    const r = await f();
    return [r, (performance.now() - t) / 1000];
  };

  // SDK first: the bare load then has the warmer page cache, which favours it.
  const [unet, sdkLoadS] = await seconds(() => runtime.createUnet(repo));
  const sample = Float32Array.from({ length: 4 * latent * latent }, (_, i) => Math.sin(i));
  const ehs = Float32Array.from({ length: 77 * 768 }, (_, i) => Math.cos(i) * 0.5);
  const sdkSteps: number[] = [];
  for (let i = 0; i < 2; i++) sdkSteps.push((await seconds(() => unet.predict(sample, [1, 4, latent, latent], 981, ehs, [1, 77, 768])))[1]);
  await unet.release();

  const unetDir = join(dir, 'unet');
  const [bare, bareLoadS] = await seconds(() =>
    ort.InferenceSession.create(readFileSync(join(unetDir, 'model.onnx')), {
      ...options,
      externalData: [{ path: 'model.onnx_data', data: join(unetDir, 'model.onnx_data') }],
    }),
  );
  const feeds = {
    sample: new ort.Tensor('float32', sample, [1, 4, latent, latent]),
    timestep: new ort.Tensor('float32', new Float32Array([981]), []),
    encoder_hidden_states: new ort.Tensor('float32', ehs, [1, 77, 768]),
  };
  const bareSteps: number[] = [];
  for (let i = 0; i < 2; i++) bareSteps.push((await seconds(() => bare.run(feeds)))[1]);
  await bare.release();

  const decoder = await runtime.createVaeDecoder(repo);
  const [, vaeDecodeS] = await seconds(() => decoder.decode(sample.map((x) => x * 0.5), [1, 4, latent, latent]));
  await decoder.release();

  const row: Omit<Row, 'estimate'> = {
    backend,
    side,
    sdkLoadS,
    bareLoadS,
    // The second call of each: the first also plans ORT's memory.
    sdkStepS: median(sdkSteps.slice(1)),
    bareStepS: median(bareSteps.slice(1)),
    vaeDecodeS,
    peakRssGiB: rss() / 2 ** 30,
    ...(backend === 'wasm' ? { wasmHeapGiB: heap() / 2 ** 30 } : {}),
  };
  console.log(JSON.stringify(row));
}
