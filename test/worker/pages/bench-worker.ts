/**
 * Benchmark worker: times the denoising loop alone (no VAE, no text
 * encoder) on one UNet with synthetic latents and embeddings, through the
 * same `denoise()` the editor uses. One ORT instance per worker, so the WASM
 * thread count is fixed per worker (ORT reads it once).
 */
import { GpuContext } from '../../../core/gpu/context';
import { installMapAsyncCounter } from '../../../core/gpu/instrument';
import { loadModelRepo, UrlSource } from '../../../core/models';
import { denoise, type LoopReport } from '../../../core/pipelines/denoise';
import { guideTextCfg } from '../../../core/pipelines/guidance';
import { createRuntime, defaultOrt, type UnetSession } from '../../../core/runtime';
import { createScheduler } from '../../../core/schedulers';
import { SeededNoise } from '../../../core/tensor';

export interface BenchRequest {
  id: number;
  model: string;
  backend: 'webgpu' | 'wasm';
  threads: number;
  wasmPaths: string;
  /** Latent side (image side / 8). */
  latent: number;
  steps: number;
  residency?: boolean;
  /** Create the UNet with its symbolic dims pinned to this run's size (freeDimensionOverrides). */
  pin?: boolean;
}

export interface BenchResult {
  id: number;
  loop?: LoopReport;
  stepMs?: number[];
  error?: string;
  crossOriginIsolated?: boolean;
}

let unet: Promise<UnetSession> | undefined;
const scope = globalThis as unknown as { postMessage(m: unknown): void; addEventListener(t: string, f: (e: MessageEvent) => void): void; crossOriginIsolated: boolean };

scope.addEventListener('message', (event: MessageEvent) => {
  const req = event.data as BenchRequest;
  void run(req).then(
    (r) => scope.postMessage(r),
    (e: unknown) => scope.postMessage({ id: req.id, error: e instanceof Error ? `${e.message}\n${e.stack}` : String(e) }),
  );
});

async function run(req: BenchRequest): Promise<BenchResult> {
  const ort = defaultOrt;
  if (!unet) {
    installMapAsyncCounter();
    ort.env.wasm.wasmPaths = req.wasmPaths;
    ort.env.wasm.numThreads = req.threads;
    const webgpu = req.backend === 'webgpu';
    const runtime = createRuntime({
      ort,
      executionProviders: [req.backend],
      numThreads: req.threads,
      gpu: webgpu ? () => GpuContext.fromOrt(ort) : undefined,
    });
    const pins = req.pin ? { batch: 2, sequence: 77, height: req.latent, width: req.latent } : undefined;
    unet = loadModelRepo(new UrlSource(req.model)).then((repo) => runtime.createUnet(repo, pins));
  }
  const session = await unet;
  if (session.gpu) session.gpu.residency = req.residency ?? true;
  const repo = await loadModelRepo(new UrlSource(req.model));
  const scheduler = createScheduler('ddim', repo.schedulerConfig);
  scheduler.setTimesteps(req.steps);
  const noise = new SeededNoise(7);
  const dims = [1, 4, req.latent, req.latent] as const;
  const hidden = Number(repo.unetConfig['cross_attention_dim'] ?? 32);
  const ehs = noise.randn([2, 77, hidden], 'ehs');
  const guidance = 7.5;
  const out = await denoise({
    unet: session,
    scheduler,
    noise,
    timesteps: scheduler.timesteps,
    latents: noise.randn(dims, 'initial_noise'),
    dims,
    encoderHiddenStates: ehs,
    ehsDims: [2, 77, hidden],
    chunks: 2,
    guide: (o) => guideTextCfg(o, guidance),
    guideWeights: [1 - guidance, guidance],
  });
  return { id: req.id, loop: out.timings.loop, stepMs: out.timings.stepMs, crossOriginIsolated: scope.crossOriginIsolated };
}
