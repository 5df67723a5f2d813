/**
 * What every edit receives once the image is at model resolution: the
 * prepared pixels and mask, the encoded prompts, and the run's machinery.
 */
import type { ProgressCallback } from '../jobs/progress';
import type { TextEncoderSession, UnetSession, VaeDecoderSession, VaeEncoderSession } from '../runtime';
import type { Scheduler } from '../schedulers';
import type { NoiseSource } from '../tensor/noise';
import type { StepTimings } from './denoise';

/** Loads component sessions on first use; the editor owns their lifetime. */
export interface Components {
  textEncoder(): Promise<TextEncoderSession>;
  unet(): Promise<UnetSession>;
  vaeEncoder(): Promise<VaeEncoderSession>;
  vaeDecoder(): Promise<VaeDecoderSession>;
}

/** A prompt and its negative, encoded by the text encoder: each `[1, 77, D]`. */
export interface PromptEmbeddings {
  positive: Float32Array;
  negative: Float32Array;
  /** `[1, 77, D]` */
  dims: readonly number[];
}

export interface ModelRun {
  components: Components;
  scheduler: Scheduler;
  noise: NoiseSource;
  /** VAE latent scaling factor (0.18215 for SD 1.x). */
  scalingFactor: number;
  /** Pixels per latent along each side (8 for SD). */
  vaeScaleFactor: number;
  /** `[1, 3, H, W]` in [-1, 1], H and W multiples of the model's size multiple. */
  pixels: Float32Array;
  width: number;
  height: number;
  embeddings: PromptEmbeddings;
  steps: number;
  guidance: number;
  /** Images per call. */
  count: number;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
  previewEvery?: number;
}

/** Final latents `[count, 4, h, w]` of an edit, before decoding. */
export interface ModelRunResult {
  latents: Float32Array;
  dims: [number, number, number, number];
  timesteps: readonly number[];
  timings: StepTimings;
}

/** Latent shape `[count, 4, H/f, W/f]` of a run. */
export function latentDims(run: ModelRun): [number, number, number, number] {
  return [run.count, 4, run.height / run.vaeScaleFactor, run.width / run.vaeScaleFactor];
}

/** Text embeddings for a UNet batch made of `chunks` groups of `count` images each. */
export function batchEmbeddings(
  embeddings: PromptEmbeddings,
  chunks: readonly ('positive' | 'negative')[],
  count: number,
): { data: Float32Array; dims: number[] } {
  const [, seq, dim] = embeddings.dims as [number, number, number];
  const one = seq * dim;
  const data = new Float32Array(chunks.length * count * one);
  chunks.forEach((which, c) => {
    for (let b = 0; b < count; b++) data.set(embeddings[which], (c * count + b) * one);
  });
  return { data, dims: [chunks.length * count, seq, dim] };
}
