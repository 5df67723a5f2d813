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

/** Per-step time split between ONNX Runtime and everything else, in ms. */
export interface StepTimings {
  unetMs: number[];
  stepMs: number[];
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
  /** Called with the latents after each scheduler step; may return replaced latents. */
  afterStep?: (latents: Float32Array, stepIndex: number) => Float32Array;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
  /** Emit a preview every N steps (0 = never). */
  previewEvery?: number;
}

/** Runs the loop and returns the final latents with timings. */
export async function denoise(spec: DenoiseSpec): Promise<{ latents: Float32Array; timings: StepTimings }> {
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
  const timings: StepTimings = { unetMs: [], stepMs: [] };
  const started = performance.now();
  for (let i = 0; i < timesteps.length; i++) {
    throwIfCancelled(spec.signal);
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
    if (spec.afterStep) latents = spec.afterStep(latents, i);
    const now = performance.now();
    timings.unetMs.push(unetMs);
    timings.stepMs.push(now - stepStart);
    const elapsedMs = now - started;
    const done = i + 1;
    spec.onProgress?.({
      type: 'step',
      step: done,
      total: timesteps.length,
      elapsedMs,
      etaMs: (elapsedMs / done) * (timesteps.length - done),
    });
    const every = spec.previewEvery ?? 0;
    if (spec.onProgress && every > 0 && (done % every === 0 || done === timesteps.length)) {
      const images = [];
      for (let b = 0; b < batch; b++) images.push(latentsToPreview(latents, dims, b));
      spec.onProgress({ type: 'preview', step: done, total: timesteps.length, images });
    }
  }
  throwIfCancelled(spec.signal);
  return { latents, timings };
}
