/**
 * Reference parity: each edit, fed diffusers' recorded noise, must reproduce
 * diffusers 0.31's output.bin within 2e-3 (fixture README tolerance).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createEditor, type Editor } from '../../core/editor';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { CASES, caseImage, caseMask, caseNoise, caseOutput, loadCase, maxAbsDiff } from './golden';

const editors: Editor[] = [];
afterAll(async () => {
  await Promise.all(editors.map((e) => e.dispose()));
});

describe.each(CASES)('$name through the core API ($operation)', ({ name, operation }) => {
  it('reproduces diffusers output.bin within 2e-3 with the recorded noise', async () => {
    const c = loadCase(name, operation);
    const editor = await createEditor({ model: new NodeFolderSource(c.modelDir) });
    editors.push(editor);
    const noise = await caseNoise(c);
    const p = c.json.params;
    const result = await editor.edit(operation, {
      image: caseImage(c),
      mask: caseMask(c),
      prompt: c.json.prompt,
      negativePrompt: c.json.negative_prompt,
      steps: p.num_inference_steps,
      strength: p.strength,
      guidance: p.guidance_scale,
      imageGuidance: p.image_guidance_scale,
      eta: p.eta,
      count: p.num_images_per_prompt,
      scheduler: 'ddim',
      noise,
    });
    expect(result.meta.timesteps).toEqual(c.json.timesteps_used);
    expect(noise.remaining()).toBe(0);
    const diff = maxAbsDiff(result.raw, caseOutput(c));
    expect(diff).toBeLessThan(2e-3);
    expect(result.images[0]!.width).toBe(p.width);
    expect(result.images[0]!.height).toBe(p.height);
  });
});

describe('the same weights in another export family', () => {
  it('external-data repo reproduces the SDEdit and mask-edit goldens', async () => {
    const editor = await createEditor({ model: new NodeFolderSource(`${__dirname}/../fixtures/variants/external-data/sd`) });
    editors.push(editor);
    for (const { name, operation } of CASES.filter((k) => k.name === 'sdedit_img2img' || k.name === 'inpaint_4ch_legacy')) {
      const c = loadCase(name, operation);
      const p = c.json.params;
      const result = await editor.edit(operation, {
        image: caseImage(c),
        mask: caseMask(c),
        prompt: c.json.prompt,
        negativePrompt: c.json.negative_prompt,
        steps: p.num_inference_steps,
        strength: p.strength,
        guidance: p.guidance_scale,
        scheduler: 'ddim',
        noise: await caseNoise(c),
      });
      expect(maxAbsDiff(result.raw, caseOutput(c))).toBeLessThan(2e-3);
    }
  });

  it('Optimum 1.22 repo (int32 ids, int64 timestep, in-graph VAE sample) runs every 4-channel edit', async () => {
    const editor = await createEditor({ model: new NodeFolderSource(`${__dirname}/../fixtures/variants/optimum-1.22/sd`) });
    editors.push(editor);
    const c = loadCase('inpaint_4ch_legacy', 'mask-edit');
    for (const operation of ['sdedit', 'mask-edit'] as const) {
      const result = await editor.edit(operation, {
        image: caseImage(c),
        mask: caseMask(c),
        prompt: c.json.prompt,
        steps: 4,
        count: 2,
        seed: 7,
      });
      expect(result.images).toHaveLength(2);
      expect(result.raw.every((x) => x >= 0 && x <= 1)).toBe(true);
    }
  });
});
