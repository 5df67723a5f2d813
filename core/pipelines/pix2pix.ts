/**
 * InstructPix2Pix (Brooks et al. 2023), as diffusers'
 * StableDiffusionInstructPix2PixPipeline: the UNet takes the image latents as 4
 * extra channels and is guided twice, by the instruction and by the image.
 */
import { repeatBatch } from '../tensor';
import { denoise } from './denoise';
import { guidanceChunks, guidePix2Pix } from './guidance';
import { encodeLatents } from './latents';
import { setSteps } from './strength';
import { batchEmbeddings, latentDims, type ModelRun, type ModelRunResult } from './model-run';

export async function runPix2Pix(run: ModelRun & { imageGuidance: number }): Promise<ModelRunResult> {
  const { scheduler, noise, count } = run;
  const dims = latentDims(run);
  const timesteps = setSteps(scheduler, run.steps);
  // The posterior mode, unscaled: that is what the model was fine-tuned on.
  const encoded = await encodeLatents(
    await run.components.vaeEncoder(),
    run.pixels,
    [1, 3, run.height, run.width],
    'mode',
    noise,
    'vae_posterior_mode[image]',
  );
  const imageLatents = repeatBatch(encoded.latents, encoded.dims, count);
  const latents = noise.randn(dims, 'initial_noise').map((x) => x * scheduler.initNoiseSigma);

  const guided = guidanceChunks(true, run.guidance, run.imageGuidance) === 3;
  const ehs = batchEmbeddings(run.embeddings, guided ? ['positive', 'negative', 'negative'] : ['positive'], count);
  // Image channels per chunk: the image for the text+image and image-only
  // predictions, zeros for the unconditional one.
  const extra = guided ? new Float32Array(3 * imageLatents.length) : imageLatents;
  if (guided) {
    extra.set(imageLatents, 0);
    extra.set(imageLatents, imageLatents.length);
  }
  const result = await denoise({
    unet: await run.components.unet(),
    scheduler,
    noise,
    timesteps,
    latents,
    dims,
    encoderHiddenStates: ehs.data,
    ehsDims: ehs.dims,
    chunks: guided ? 3 : 1,
    extra: { data: extra, channels: 4 },
    guide: guided ? (out) => guidePix2Pix(out, run.guidance, run.imageGuidance) : (out) => out,
    // uncond + g * (text - image) + ig * (image - uncond) = g * text + (ig - g) * image + (1 - ig) * uncond
    guideWeights: guided ? [run.guidance, run.imageGuidance - run.guidance, 1 - run.imageGuidance] : [1],
    signal: run.signal,
    onProgress: run.onProgress,
    previewEvery: run.previewEvery,
  });
  return { ...result, dims, timesteps };
}
