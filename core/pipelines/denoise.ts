/**
 * The denoising loop shared by the four edits. Each edit only decides what
 * goes into the UNet beside the latents (mask and masked-image latents,
 * image latents), how the chunks of the batch are guided, and what happens
 * to the latents after each step (the blend of mask-guided editing).
 */
import { throwIfCancelled } from '../errors';
import { latentsToPreview } from '../image';
import type { ProgressCallback } from '../jobs/progress';
import type { UnetSession } from '../runtime';
import type { Scheduler } from '../schedulers';
import type { NoiseSource } from '../tensor/noise';
import { mapAsyncCalls } from '../gpu/instrument';
import { yieldToEventLoop } from '../jobs/yield';
import { denoiseOnDevice, deviceLoopBlocker } from './denoise-gpu';
import { StepProgress } from './step-progress';

/** Per-step time split between ONNX Runtime and everything else, in ms. */
export interface StepTimings {
  unetMs: number[];
  stepMs: number[];
  /** Where the loop kept the latents, and what it cost to get them back (absent for runs with no steps). */
  loop?: LoopReport;
}

/** How a denoising loop ran. */
export interface LoopReport {
  /** `gpu`: latents, guidance and scheduler steps stayed on the GPU; `cpu`: the reference loop on Float32Arrays. */
  where: 'gpu' | 'cpu';
  /** Why the CPU loop ran although the UNet runs on WebGPU (e.g. a non-linear scheduler option). */
  reason?: string;
  /** GPU -> CPU downloads Stipple made during each step (GPU loop; a requested preview is one). */
  readbacksPerStep?: number[];
  /**
   * Every GPU buffer map during each step, ORT's own included, when the
   * page installed the counter (`installMapAsyncCounter`); on the CPU loop
   * over a WebGPU UNet these are the per-step copies residency removes.
   */
  mapsPerStep?: number[];
  /** Wall time from the first step's start until the final latents are on the CPU, ms. */
  totalMs: number;
}

/**
 * Blended latent diffusion as data (mask-guided editing): after step i the
 * latents outside the mask are replaced by the image latents noised to the
 * next timestep (`scheduler.addNoise(image, noise, t[i+1])`; the image itself
 * after the last step). Data rather than a callback so a GPU loop can run it.
 */
export interface LatentBlend {
  /** The latent-size mask, `h * w`, 1 = generate; broadcast over batch and channels. */
  mask: Float32Array;
  /** Clean image latents, the latents' shape. */
  image: Float32Array;
  /** The noise the image latents are noised with, the latents' shape. */
  noise: Float32Array;
}

export interface DenoiseSpec {
  unet: UnetSession;
  scheduler: Scheduler;
  noise: NoiseSource;
  /** Timesteps to run, already cut for strength. */
  timesteps: readonly number[];
  /** Starting latents `[B, 4, h, w]`. */
  latents: Float32Array;
  dims: readonly [number, number, number, number];
  /** Text embeddings for the whole UNet batch `[chunks * B, 77, D]`. */
  encoderHiddenStates: Float32Array;
  ehsDims: readonly number[];
  /** How many copies of the latents the UNet batch holds (1 without guidance, 2 for CFG, 3 for pix2pix). */
  chunks: number;
  /**
   * Extra conditioning channels appended after the 4 latent channels for the
   * whole UNet batch, `[chunks * B, extraChannels, h, w]` (inpainting: mask +
   * masked-image latents; pix2pix: image latents).
   */
  extra?: { data: Float32Array; channels: number };
  /** Turns the UNet output for the whole batch into one noise prediction per image. */
  guide: (unetOut: Float32Array) => Float32Array;
  /**
   * The same guidance as weights of the UNet batch's chunks (`eps = Σ w_c · out_c`),
   * for loops that run it on the GPU. Without it the CPU loop runs.
   */
  guideWeights?: readonly number[];
  /** Mask-guided blending after each step. */
  blend?: LatentBlend;
  /** Called with the latents after each scheduler step (after `blend`); may return replaced latents. Forces the CPU loop. */
  afterStep?: (latents: Float32Array, stepIndex: number) => Float32Array;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
  /** Emit a preview every N steps (0 = never). */
  previewEvery?: number;
}

/**
 * Runs the loop and returns the final latents with timings: on the GPU when
 * the UNet runs on WebGPU with residency on and the run can be expressed
 * there (see `denoise-gpu.ts`), else the CPU reference loop.
 */
export async function denoise(spec: DenoiseSpec): Promise<{ latents: Float32Array; timings: StepTimings }> {
  const gpu = spec.unet.gpu;
  if (!gpu) return denoiseOnHost(spec);
  const reason = gpu.residency ? deviceLoopBlocker(spec) : 'GPU residency is off';
  if (reason === undefined) return denoiseOnDevice(spec, gpu);
  return denoiseOnHost(spec, reason);
}

/** The reference loop: tensors on the CPU, UNet outputs read back every step. */
async function denoiseOnHost(spec: DenoiseSpec, reason?: string): Promise<{ latents: Float32Array; timings: StepTimings }> {
  const { unet, scheduler, timesteps, dims, chunks, extra } = spec;
  const [batch, channels, h, w] = dims;
  const plane = h * w;
  const perImage = channels * plane;
  const inChannels = channels + (extra?.channels ?? 0);
  const unetDims = [chunks * batch, inChannels, h, w];
  const unetInput = new Float32Array(chunks * batch * inChannels * plane);
  // The conditioning channels never change across steps: write them once.
  if (extra) {
    const extraPerImage = extra.channels * plane;
    for (let b = 0; b < chunks * batch; b++) {
      unetInput.set(extra.data.subarray(b * extraPerImage, (b + 1) * extraPerImage), b * inChannels * plane + perImage);
    }
  }
  let latents = spec.latents;
  const mapsPerStep: number[] = [];
  const timings: StepTimings = { unetMs: [], stepMs: [] };
  const started = performance.now();
  const progress = new StepProgress(timesteps, spec.onProgress, { started });
  for (let i = 0; i < timesteps.length; i++) {
    // Give a cancel (or any queued event) its turn: ORT's run never yields.
    if (spec.signal || spec.onProgress) await yieldToEventLoop();
    throwIfCancelled(spec.signal);
    const mapsBefore = mapAsyncCalls();
    const stepStart = performance.now();
    const t = timesteps[i]!;
    const scaled = scheduler.scaleModelInput(latents, t);
    for (let c = 0; c < chunks; c++) {
      for (let b = 0; b < batch; b++) {
        unetInput.set(scaled.subarray(b * perImage, (b + 1) * perImage), (c * batch + b) * inChannels * plane);
      }
    }
    const unetStart = performance.now();
    const out = await unet.predict(unetInput, unetDims, t, spec.encoderHiddenStates, [...spec.ehsDims]);
    const unetMs = performance.now() - unetStart;
    const eps = spec.guide(out);
    latents = scheduler.step(eps, t, latents, dims, spec.noise);
    if (spec.blend) latents = blendOnHost(spec.blend, latents, scheduler, timesteps, i, plane);
    if (spec.afterStep) latents = spec.afterStep(latents, i);
    const now = performance.now();
    timings.unetMs.push(unetMs);
    timings.stepMs.push(now - stepStart);
    const step = progress.evaluated(i, now);
    const every = spec.previewEvery ?? 0;
    if (spec.onProgress && every > 0 && step > 0 && (step % every === 0 || step === progress.total)) {
      const images = [];
      for (let b = 0; b < batch; b++) images.push(latentsToPreview(latents, dims, b));
      spec.onProgress({ type: 'preview', step, total: progress.total, images });
    }
    const mapsAfter = mapAsyncCalls();
    if (mapsBefore !== undefined && mapsAfter !== undefined) mapsPerStep.push(mapsAfter - mapsBefore);
  }
  throwIfCancelled(spec.signal);
  timings.loop = {
    where: 'cpu',
    ...(reason !== undefined ? { reason } : {}),
    ...(mapsPerStep.length > 0 ? { mapsPerStep } : {}),
    totalMs: performance.now() - started,
  };
  return { latents, timings };
}

/** {@link LatentBlend} on Float32Arrays: `(1 - m) · known + m · latents`. */
function blendOnHost(
  blend: LatentBlend,
  latents: Float32Array,
  scheduler: Scheduler,
  timesteps: readonly number[],
  i: number,
  plane: number,
): Float32Array {
  const last = i === timesteps.length - 1;
  const known = last ? blend.image : scheduler.addNoise(blend.image, blend.noise, timesteps[i + 1]!);
  const out = new Float32Array(latents.length);
  for (let j = 0; j < out.length; j++) {
    const k = blend.mask[j % plane]!;
    out[j] = (1 - k) * known[j]! + k * latents[j]!;
  }
  return out;
}
