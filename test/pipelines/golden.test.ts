/**
 * Reference parity: each edit, fed diffusers' recorded noise, must reproduce
 * diffusers 0.31's output.bin within 1e-4 (fixture README tolerance for the
 * float32 models).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createEditor, type Editor } from '../../core/editor';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { CASES, caseImage, caseMask, caseNoise, caseOutput, loadCase, maxAbsDiff, type GoldenCase } from './golden';

const STATIC_B1 = `${__dirname}/../fixtures/variants/static-b1`;

const editors: Editor[] = [];
afterAll(async () => {
  await Promise.all(editors.map((e) => e.dispose()));
});

/** Runs a golden case with its recorded noise on `modelDir` and checks it against diffusers. */
async function expectGolden(c: GoldenCase, modelDir: string): Promise<void> {
  const editor = await createEditor({ model: new NodeFolderSource(modelDir) });
  editors.push(editor);
  const noise = await caseNoise(c);
  const p = c.json.params;
  const result = await editor.edit(c.operation, {
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
  expect(maxAbsDiff(result.raw, caseOutput(c))).toBeLessThan(1e-4);
  expect(result.images[0]!.width).toBe(p.width);
  expect(result.images[0]!.height).toBe(p.height);
  expect([result.meta.workingWidth, result.meta.workingHeight]).toEqual([p.width, p.height]);
}

describe.each(CASES)('$name through the core API ($operation)', ({ name, operation }) => {
  it('reproduces diffusers output.bin within 1e-4 with the recorded noise', async () => {
    const c = loadCase(name, operation);
    await expectGolden(c, c.modelDir);
  });
});

describe.each(CASES)('$name on the static-shape export (batch 1, 8x8 latents, 77 tokens pinned)', ({ name, operation }) => {
  it('CFG and pix2pix batches run as batch-1 calls and reproduce diffusers within 1e-4', async () => {
    const c = loadCase(name, operation);
    await expectGolden(c, `${STATIC_B1}/${c.json.model_dir}`);
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
      expect(maxAbsDiff(result.raw, caseOutput(c))).toBeLessThan(1e-4);
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
