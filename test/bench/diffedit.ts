/**
 * Issue 18's benchmark: what each DiffEdit stage costs at 512x512 (64x64
 * latents) with the fixture model, in UNet calls and time. Mask generation
 * with `maps` N costs N UNet batches (4 rows each with guidance); inversion
 * and edit one batch (2 rows) per step.
 */
import { createEditor } from '../../core/editor';
import type { EditPhase } from '../../core/jobs/progress';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { FIXTURES, median } from './measure';

function testImage(size: number) {
  const data = new Uint8ClampedArray(size * size * 4);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  return { width: size, height: size, data };
}

export async function benchDiffEdit(): Promise<void> {
  const size = 512;
  const editor = await createEditor({ model: new NodeFolderSource(`${FIXTURES}sd`) });
  const image = testImage(size);
  const base = { image, prompt: 'a bowl of pears', seed: 1, maxWorkingPixels: size * size };
  await editor.edit('diffedit', { ...base, steps: 2, diffedit: { sourcePrompt: 'a bowl of fruit', maskMaps: 1 } }); // sessions created, wasm warm
  const rows = [];
  for (const maps of [1, 5, 10]) {
    const wall: Partial<Record<EditPhase, number>> = {};
    let phase: EditPhase | undefined;
    let since = 0;
    const result = await editor.edit('diffedit', {
      ...base,
      steps: 10,
      diffedit: { sourcePrompt: 'a bowl of fruit', maskMaps: maps },
      onProgress: (e) => {
        if (e.type !== 'phase') return;
        const now = performance.now();
        if (phase) wall[phase] = now - since;
        phase = e.phase;
        since = now;
      },
    });
    const s = result.diffedit!.stages;
    const perCall = (x: { unetCalls: number; unetMs: number }) => (x.unetCalls ? (x.unetMs / x.unetCalls).toFixed(1) : '-');
    rows.push({
      maps,
      'mask UNet batches': s.mask.unetCalls,
      'mask ms': (wall['generate-mask'] ?? 0).toFixed(0),
      'mask ms/batch (4 rows)': perCall(s.mask),
      'invert UNet batches': s.invert.unetCalls,
      'invert ms': (wall.invert ?? 0).toFixed(0),
      'edit UNet batches': s.edit.unetCalls,
      'edit ms': (wall.denoise ?? 0).toFixed(0),
      'edit ms/step (2 rows)': median(result.timings.unetMs).toFixed(1),
      'total UNet rows': 4 * s.mask.unetCalls + 2 * (s.invert.unetCalls + s.edit.unetCalls),
    });
  }
  await editor.dispose();
  console.log(`DiffEdit at ${size}x${size}, 10 steps at strength 0.8 (8 inversion + 8 edit steps), guidance 7.5, tiny fixture UNet.\nMask generation costs one UNet batch of 4 rows per map; wall ms per stage from the phase events.`);
  console.table(rows);
}
