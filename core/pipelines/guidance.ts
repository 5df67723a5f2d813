/**
 * Classifier-free guidance: combine the UNet's predictions for the chunks of
 * one batched call into one noise prediction per image.
 */

/**
 * How many copies of the latents one UNet call holds per image: 2 with
 * classifier-free guidance (on when `guidance > 1`), 3 for InstructPix2Pix
 * (on when `guidance > 1` and `imageGuidance >= 1`, as diffusers), else 1.
 */
export function guidanceChunks(pix2pix: boolean, guidance: number, imageGuidance: number): 1 | 2 | 3 {
  if (pix2pix) return guidance > 1 && imageGuidance >= 1 ? 3 : 1;
  return guidance > 1 ? 2 : 1;
}

/**
 * Two-way guidance (`eps = uncond + g * (text - uncond)`), for a UNet batch laid out
 * as `[uncond x B, text x B]` like diffusers' `torch.cat([negative, positive])`.
 */
export function guideTextCfg(out: Float32Array, guidance: number): Float32Array {
  const n = out.length / 2;
  const eps = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const uncond = out[i]!;
    eps[i] = uncond + guidance * (out[n + i]! - uncond);
  }
  return eps;
}

/**
 * InstructPix2Pix's three-way guidance for a batch laid out as
 * `[text+image x B, image only x B, unconditional x B]`:
 * `eps = uncond + g * (text - image) + ig * (image - uncond)` (Brooks et al. 2023, eq. 3).
 */
export function guidePix2Pix(out: Float32Array, guidance: number, imageGuidance: number): Float32Array {
  const n = out.length / 3;
  const eps = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const text = out[i]!;
    const image = out[n + i]!;
    const uncond = out[2 * n + i]!;
    eps[i] = uncond + guidance * (text - image) + imageGuidance * (image - uncond);
  }
  return eps;
}
