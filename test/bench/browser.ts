/**
 * Issue 5's benchmark, in Debian's Chromium (headless; SwiftShader WebGPU on
 * machines without a GPU): the denoising loop alone (tiny fixture UNet,
 * synthetic latents, DDIM, guidance 7.5, batch 1), timed in a module Worker.
 *
 * - WebGPU: ms per step with GPU residency (latents, guidance and scheduler
 *   on the GPU, nothing read back) against the CPU loop reading every UNet
 *   output back, on one UNet session in one worker, runs alternating, as a
 *   ratio. Per step = the loop's wall time until the final latents are on
 *   the CPU, divided by the steps (the GPU loop's submissions return early).
 * - WASM: ms per step single-threaded against multi-threaded (the page is
 *   cross-origin isolated), one worker each (ORT fixes threads at start-up).
 *
 * - Pinned dims (issue 11): ms per step of a UNet session created with its
 *   symbolic dims pinned to the run's size (`freeDimensionOverrides`) against
 *   one created for any size, at STIPPLE_BENCH_PIN_LATENT (default 64)
 *   latents, one worker each, runs alternating; WebGPU (GPU-resident loop)
 *   and WASM (1 thread).
 *
 * Environment: STIPPLE_BENCH_LATENT (latent side, default 16 = 128 px
 * images), STIPPLE_BENCH_STEPS (default 3), STIPPLE_BENCH_ROUNDS (default 3),
 * STIPPLE_BENCH_BROWSER=pins (only the pinned-dims part), STIPPLE_BENCH_PIN_LATENT,
 * STIPPLE_BENCH_PIN_BACKENDS (default `webgpu,wasm`; SwiftShader WebGPU at 64x64 takes many minutes).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundlePage, launchChromium, startTestServer } from '../browser/harness';
import { ISOLATION } from '../worker/browser-setup';
import type { BenchRequest, BenchResult } from '../worker/pages/bench-worker';
import { median } from './measure';

type Run = Omit<BenchRequest, 'id' | 'wasmPaths'>;

export async function benchBrowser(): Promise<void> {
  const latent = Number(process.env['STIPPLE_BENCH_LATENT'] ?? 16);
  const steps = Number(process.env['STIPPLE_BENCH_STEPS'] ?? 3);
  const rounds = Number(process.env['STIPPLE_BENCH_ROUNDS'] ?? 3);
  // Absolute paths: this file may run from a bundle in dist/.
  const root = process.cwd();
  const at = (p: string) => resolve(root, p);
  const dir = await mkdtemp(join(tmpdir(), 'stipple-bench-'));
  await writeFile(join(dir, 'bench-worker.js'), await bundlePage(at('test/worker/pages/bench-worker.ts')));
  const server = await startTestServer({
    pages: { '/': at('test/worker/pages/bench-page.ts') },
    routes: { '/worker/': dir, '/ort/': at('node_modules/onnxruntime-web/dist/'), '/fixtures/': at('test/fixtures/') },
    headers: ISOLATION,
  });
  const browser = await launchChromium();
  try {
    const page = await browser.open(`${server.url}/`);
    await page.waitForFunction(() => (window as unknown as { stippleReady?: boolean }).stippleReady === true);
    const env = await page.evaluate(() => ({ coi: crossOriginIsolated, cores: navigator.hardwareConcurrency }));
    const run = async (key: string, req: Run): Promise<BenchResult> => {
      const r = await page.evaluate(
        ([k, q]) => (window as unknown as { stippleBench: { run(k: string, q: Run): Promise<BenchResult> } }).stippleBench.run(k, q),
        [key, req] as const,
      );
      if (r.error) throw new Error(`bench worker ${key}: ${r.error}`);
      return r;
    };
    const perStep = (r: BenchResult) => r.loop!.totalMs / r.stepMs!.length;
    const common = { model: 'sd', latent, steps };
    if (process.env['STIPPLE_BENCH_BROWSER'] === 'pins') return await benchPins(run, perStep, steps, rounds);

    // WebGPU: one worker, one UNet session; warm both loops, then alternate.
    const webgpu = { ...common, backend: 'webgpu' as const, threads: 1 };
    await run('webgpu', { ...webgpu, steps: 2, residency: true });
    await run('webgpu', { ...webgpu, steps: 2, residency: false });
    const resident: BenchResult[] = [];
    const readback: BenchResult[] = [];
    for (let i = 0; i < rounds; i++) {
      resident.push(await run('webgpu', { ...webgpu, residency: true }));
      readback.push(await run('webgpu', { ...webgpu, residency: false }));
    }
    const on = median(resident.map(perStep));
    const off = median(readback.map(perStep));
    const maps = (rs: BenchResult[]) => median(rs.map((r) => (r.loop!.mapsPerStep ?? []).reduce((a, b) => a + b, 0) / r.stepMs!.length));
    console.log(`WebGPU denoising loop (${latent}x${latent} latents = ${latent * 8}px images, ${steps} steps, CFG batch 2, median of ${rounds})`);
    const rounds_ = (rs: BenchResult[]) => rs.map((r) => perStep(r).toFixed(0)).join(' / ');
    console.table([
      { loop: 'GPU-resident', 'ms/step': on.toFixed(1), rounds: rounds_(resident), 'buffer maps/step': maps(resident).toFixed(2) },
      { loop: 'read back every step (CPU loop)', 'ms/step': off.toFixed(1), rounds: rounds_(readback), 'buffer maps/step': maps(readback).toFixed(2) },
    ]);
    console.log(`ratio (readback / resident): ${(off / on).toFixed(2)}x`);

    // WASM: a worker per thread count.
    const threads = Math.max(2, Math.min(4, env.cores));
    const wasm = { ...common, backend: 'wasm' as const };
    await run('wasm-1', { ...wasm, threads: 1, steps: 2 });
    await run(`wasm-${threads}`, { ...wasm, threads, steps: 2 });
    const one: number[] = [];
    const many: number[] = [];
    for (let i = 0; i < rounds; i++) {
      one.push(perStep(await run('wasm-1', { ...wasm, threads: 1 })));
      many.push(perStep(await run(`wasm-${threads}`, { ...wasm, threads })));
    }
    console.log(`WASM denoising loop (same model and size; page cross-origin isolated: ${env.coi}, ${env.cores} cores)`);
    console.table([
      { threads: 1, 'ms/step': median(one).toFixed(1), rounds: one.map((x) => x.toFixed(0)).join(' / ') },
      { threads, 'ms/step': median(many).toFixed(1), rounds: many.map((x) => x.toFixed(0)).join(' / ') },
    ]);
    console.log(`ratio (1 thread / ${threads} threads): ${(median(one) / median(many)).toFixed(2)}x`);
    await benchPins(run, perStep, steps, rounds);
  } finally {
    await browser.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

type RunFn = (key: string, req: Run) => Promise<BenchResult>;

/** Issue 11: per-step time with the UNet's symbolic dims pinned against free, side by side. */
async function benchPins(run: RunFn, perStep: (r: BenchResult) => number, steps: number, rounds: number): Promise<void> {
  const latent = Number(process.env['STIPPLE_BENCH_PIN_LATENT'] ?? 64);
  const backends = (process.env['STIPPLE_BENCH_PIN_BACKENDS'] ?? 'webgpu,wasm').split(',') as ('webgpu' | 'wasm')[];
  const rows = [];
  for (const backend of backends) {
    const base = { model: 'sd', latent, steps, backend, threads: 1, residency: true };
    const key = (pin: boolean) => `pins-${backend}-${pin ? 'pinned' : 'free'}`;
    await run(key(true), { ...base, pin: true, steps: 1 });
    await run(key(false), { ...base, pin: false, steps: 1 });
    const pinned: number[] = [];
    const free: number[] = [];
    for (let i = 0; i < rounds; i++) {
      pinned.push(perStep(await run(key(true), { ...base, pin: true })));
      free.push(perStep(await run(key(false), { ...base, pin: false })));
    }
    const show = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' / ');
    rows.push({
      backend,
      'pinned ms/step': median(pinned).toFixed(1),
      'free ms/step': median(free).toFixed(1),
      'free / pinned': (median(free) / median(pinned)).toFixed(2),
      pinned: show(pinned),
      free: show(free),
    });
  }
  console.log(`Pinned symbolic dims (freeDimensionOverrides) vs free: ${latent}x${latent} latents (${latent * 8}px), CFG batch 2, ${steps} steps, median of ${rounds}`);
  console.table(rows);
}
