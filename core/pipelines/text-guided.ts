/**
 * The denoising loop with classifier-free text guidance, as the edits other
 * than InstructPix2Pix run it: UNet batch `[negative x B, positive x B]` when
 * guidance > 1, `[positive x B]` otherwise.
 */
import { repeatBatch } from '../tensor';
import { denoise, type DenoiseSpec } from './denoise';
import { guidanceChunks, guideTextCfg } from './guidance';
import { batchEmbeddings, latentDims, type ModelRun, type ModelRunResult } from './model-run';

export async function denoiseWithTextGuidance(
  run: ModelRun,
  timesteps: readonly number[],
  latents: Float32Array,
  /** Per-image conditioning channels (batch `count`); repeated for each guidance chunk. */
  extra?: { data: Float32Array; channels: number },
  afterStep?: DenoiseSpec['afterStep'],
  blend?: DenoiseSpec['blend'],
): Promise<ModelRunResult> {
  const dims = latentDims(run);
  const chunks = guidanceChunks(false, run.guidance, 0);
  const cfg = chunks === 2;
  const ehs = batchEmbeddings(run.embeddings, cfg ? ['negative', 'positive'] : ['positive'], run.count);
  const result = await denoise({
    unet: await run.components.unet(),
    scheduler: run.scheduler,
    noise: run.noise,
    timesteps,
    latents,
    dims,
    encoderHiddenStates: ehs.data,
    ehsDims: ehs.dims,
    chunks,
    extra: extra && { data: repeatBatch(extra.data, [extra.data.length], chunks), channels: extra.channels },
    guide: cfg ? (out) => guideTextCfg(out, run.guidance) : (out) => out,
    // uncond + g * (text - uncond) = (1 - g) * uncond + g * text
    guideWeights: cfg ? [1 - run.guidance, run.guidance] : [1],
    blend,
    afterStep,
    signal: run.signal,
    onProgress: run.onProgress,
    previewEvery: run.previewEvery,
  });
  return { ...result, dims, timesteps };
}
