/**
 * Between pixels and latents: VAE encode (posterior sample or mode) and decode.
 */
import type { VaeDecoderSession, VaeEncoderSession } from '../runtime';
import type { NoiseSource } from '../tensor/noise';
import { repeatBatch } from '../tensor';
import { latentDims, type ModelRun } from './model-run';

/**
 * Encodes `pixels` (`[1, 3, H, W]`, in [-1, 1]) to latents `[1, 4, H/f, W/f]`.
 *
 * `'sample'` draws the posterior sample like diffusers' `latent_dist.sample()`:
 * `mean + exp(0.5 * clamp(logvar, -30, 20)) * eps`, with eps from `noise` under
 * `label`. `'mode'` returns the mean and draws nothing (InstructPix2Pix).
 * Exports whose encoder samples inside the graph (`latent_sample`, Optimum <= 1.22)
 * give that sample in both cases: their posterior mean is not available.
 */
export async function encodeLatents(
  encoder: VaeEncoderSession,
  pixels: Float32Array,
  pixelDims: readonly number[],
  how: 'sample' | 'mode',
  noise: NoiseSource,
  label: string,
): Promise<{ latents: Float32Array; dims: [number, number, number, number] }> {
  const out = await encoder.encode(pixels, [...pixelDims]);
  const dims = out.dims as [number, number, number, number];
  if (out.kind === 'sample') return { latents: out.sample, dims };
  if (how === 'mode') return { latents: out.mean, dims };
  return { latents: posteriorSample(out, noise.randn(dims, label)), dims };
}

/** `mean + exp(0.5 * clamp(logvar, -30, 20)) * eps`: one posterior sample for the given eps (diffusers' `latent_dist.sample()`). */
export function posteriorSample(posterior: { mean: Float32Array; logvar: Float32Array }, eps: Float32Array): Float32Array {
  const latents = new Float32Array(posterior.mean.length);
  for (let i = 0; i < latents.length; i++) {
    const logvar = Math.min(Math.max(posterior.logvar[i]!, -30), 20);
    latents[i] = posterior.mean[i]! + Math.fround(Math.exp(0.5 * logvar)) * eps[i]!;
  }
  return latents;
}

/** Multiplies in place by the VAE scaling factor (0.18215 for SD 1.x) and returns the array. */
export function scaleLatents(latents: Float32Array, factor: number): Float32Array {
  for (let i = 0; i < latents.length; i++) latents[i] = latents[i]! * factor;
  return latents;
}

/**
 * Decodes one image of a latent batch: `decoder(latents / scalingFactor)`,
 * returning the decoder's raw NCHW output (roughly [-1, 1], not clamped).
 * One image at a time keeps the decoder's peak memory at batch 1.
 */
export async function decodeLatents(
  decoder: VaeDecoderSession,
  latents: Float32Array,
  dims: readonly [number, number, number, number],
  index: number,
  scalingFactor: number,
): Promise<{ data: Float32Array; dims: number[] }> {
  const [, c, h, w] = dims;
  const size = c * h * w;
  const one = new Float32Array(size);
  for (let i = 0; i < size; i++) one[i] = latents[index * size + i]! / scalingFactor;
  return decoder.decode(one, [1, c, h, w]);
}

/**
 * The starting latents of an edit that may start from the image or from pure
 * noise, drawing in diffusers' order: the image's posterior sample (only
 * below full strength, or always when `alwaysEncode`), then the initial noise.
 */
export async function initialLatents(
  run: ModelRun,
  timesteps: readonly number[],
  fullStrength: boolean,
  alwaysEncode: boolean,
  /** Changes the image latents the run starts from (masked content), not those returned. */
  startFrom?: (imageLatents: Float32Array) => Float32Array,
): Promise<{ latents: Float32Array; initialNoise: Float32Array; imageLatents?: Float32Array }> {
  const dims = latentDims(run);
  let imageLatents: Float32Array | undefined;
  if (alwaysEncode || !fullStrength) {
    const encoded = await encodeLatents(
      await run.components.vaeEncoder(),
      run.pixels,
      [1, 3, run.height, run.width],
      'sample',
      run.noise,
      'vae_posterior_sample[init_image]',
    );
    imageLatents = repeatBatch(scaleLatents(encoded.latents, run.scalingFactor), encoded.dims, run.count);
  }
  const start = imageLatents && startFrom ? startFrom(imageLatents) : imageLatents;
  const initialNoise = run.noise.randn(dims, 'initial_noise');
  const latents = fullStrength
    ? initialNoise.map((x) => x * run.scheduler.initNoiseSigma)
    : run.scheduler.addNoise(start!, initialNoise, timesteps[0]!);
  return { latents, initialNoise, imageLatents };
}
