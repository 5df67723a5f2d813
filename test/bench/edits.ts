/**
 * Issue 3's benchmark: per step, time inside ONNX Runtime (the UNet call)
 * against everything else the SDK does, at 512x512 (64x64 latents) with the
 * fixture models; and the peak memory of an edit.
 */
import { createEditor } from '../../core/editor';
import type { Operation } from '../../core/pipelines/request';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { FIXTURES, median, peakMemory } from './measure';

function testImage(size: number) {
  const data = new Uint8ClampedArray(size * size * 4);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  return { width: size, height: size, data };
}

function disc(size: number) {
  const data = new Float32Array(size * size);
  const r = size / 4;
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) data[y * size + x] = (x - size / 2) ** 2 + (y - size / 2) ** 2 < r * r ? 1 : 0;
  return { width: size, height: size, data };
}

const CASES: { operation: Operation; model: string }[] = [
  { operation: 'inpaint', model: 'sd-inpaint' },
  { operation: 'mask-edit', model: 'sd' },
  { operation: 'sdedit', model: 'sd' },
  { operation: 'pix2pix', model: 'ip2p' },
];

export async function benchEdits(): Promise<void> {
  const size = 512;
  const image = testImage(size);
  const mask = disc(size);
  const rows = [];
  for (const { operation, model } of CASES) {
    const editor = await createEditor({ model: new NodeFolderSource(`${FIXTURES}${model}`) });
    const request = { image, mask, prompt: 'a red fox in the snow', steps: 8, strength: 1, seed: 1, scheduler: 'ddim' as const, maxWorkingPixels: size * size };
    await editor.edit(operation, { ...request, steps: 1 }); // sessions created, wasm warm
    const { result, rssMB, arrayBuffersMB, peakRssMB } = await peakMemory(() => editor.edit(operation, request));
    const { unetMs, stepMs } = result.timings;
    const sdkShare = unetMs.map((u, i) => (stepMs[i]! - u) / stepMs[i]!);
    rows.push({
      edit: operation,
      latents: `${result.meta.workingWidth / 8}x${result.meta.workingHeight / 8}`,
      'step ms': median(stepMs).toFixed(1),
      'ORT ms': median(unetMs).toFixed(1),
      'SDK ms': median(stepMs.map((s, i) => s - unetMs[i]!)).toFixed(2),
      'SDK share': `${(median(sdkShare) * 100).toFixed(2)}%`,
      'peak RSS MB': peakRssMB.toFixed(0),
      'RSS growth MB': rssMB.toFixed(0),
      'ArrayBuffers growth MB': arrayBuffersMB.toFixed(0),
    });
    await editor.dispose();
  }
  console.log(`Per denoising step at ${size}x${size} (median of 8 steps; SDK = scheduler, guidance, blending, batching; target < 5%).\nMemory: process peak RSS during the edit, and growth over the warmed editor (sessions already created).`);
  console.table(rows);
}
