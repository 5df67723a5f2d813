/**
 * DiffEdit parity: fed diffusers' recorded noise, the core API reproduces
 * diffusers 0.31's mask exactly, the inverted latents within 2e-3 and the
 * output within 1e-2 (golden-diffedit README tolerances).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEditor, type Editor } from '../../core/editor';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { DIFFEDIT_CASES, diffEditFile, diffEditImage, diffEditNoise, diffEditRequest, loadDiffEditCase } from './diffedit-golden';
import { FIXTURES, maxAbsDiff } from './golden';

let editor: Editor;
beforeAll(async () => {
  editor = await createEditor({ model: new NodeFolderSource(`${FIXTURES}/sd`) });
});
afterAll(async () => {
  await editor.dispose();
});

describe.each(DIFFEDIT_CASES)('%s through the core API', (name) => {
  it('matches the mask exactly, inverted within 2e-3, output within 1e-2', async () => {
    const c = loadDiffEditCase(name);
    const noise = await diffEditNoise(c);
    const result = await editor.edit('diffedit', { ...diffEditRequest(c), image: diffEditImage(c), noise });
    expect(noise.remaining()).toBe(0);
    const d = result.diffedit!;
    expect(d.generated).toBe(true);
    expect(Array.from(d.mask)).toEqual(Array.from(diffEditFile(c, 'mask.bin')));
    expect(maxAbsDiff(d.map!, diffEditFile(c, 'mask_guidance_map.bin'))).toBeLessThan(1e-4);
    expect(d.invertedDims).toEqual(c.json.inverted.shape);
    expect(maxAbsDiff(d.inverted, diffEditFile(c, 'inverted.bin'))).toBeLessThan(2e-3);
    expect(result.meta.timesteps).toEqual(c.json.call.timesteps_used);
    expect(maxAbsDiff(result.raw, diffEditFile(c, 'output.bin'))).toBeLessThan(1e-2);
    expect(d.stages.mask.unetCalls).toBe(c.json.generate_mask.params.num_maps_per_mask);
    expect(d.stages.invert.unetCalls).toBe(c.json.invert.timesteps_used.length);
  });
});
