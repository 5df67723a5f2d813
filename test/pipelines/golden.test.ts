/**
 * Reference parity: each edit, fed diffusers' recorded noise, must reproduce
 * diffusers 0.31's output.bin within 1e-4 (measured ~5e-6; 2e-3 would let a
 * 2% guidance error pass), on onnxruntime-web (WASM) and, when it is installed
 * (CI installs it), on onnxruntime-node; the two runtimes agree within 1e-4.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createEditor, type Editor } from '../../core/editor';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { nativeRuntimeInstalled } from '../../core/runtime';
import { CASES, caseImage, caseMask, caseNoise, caseOutput, loadCase, maxAbsDiff, type GoldenCase } from './golden';

const STATIC_B1 = `${__dirname}/../fixtures/variants/static-b1`;
/** The runtimes to test: WASM always, native where onnxruntime-node is installed. */
const RUNTIMES = (await nativeRuntimeInstalled()) ? (['wasm', 'native'] as const) : (['wasm'] as const);
type Runtime = (typeof RUNTIMES)[number];
/** Output of each case per runtime, for the cross-runtime check. */
const outputs = new Map<string, Float32Array>();

const editors: Editor[] = [];
afterAll(async () => {
  await Promise.all(editors.map((e) => e.dispose()));
});

/** Runs a golden case with its recorded noise on `modelDir` and checks it against diffusers. */
async function expectGolden(c: GoldenCase, modelDir: string, runtime: Runtime): Promise<Float32Array> {
  const editor = await createEditor({ model: new NodeFolderSource(modelDir), ...(runtime === 'wasm' ? {} : { runtime, threads: 2 }) });
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
  return result.raw;
}

const RUNS = RUNTIMES.flatMap((runtime) => CASES.map((k) => ({ ...k, runtime })));

describe.each(RUNS)('$name through the core API ($operation, $runtime)', ({ name, operation, runtime }) => {
  it('reproduces diffusers output.bin within 1e-4 with the recorded noise', async () => {
    const c = loadCase(name, operation);
    const raw = await expectGolden(c, c.modelDir, runtime);
    outputs.set(`${name}/${runtime}`, raw);
    // Same graphs, same noise: the runtimes differ only by float rounding in their kernels.
    const wasm = outputs.get(`${name}/wasm`);
    if (runtime === 'native' && wasm) expect(maxAbsDiff(raw, wasm)).toBeLessThan(1e-4);
  });
});

describe.each(RUNS)('$name on the static-shape export (batch 1, 8x8 latents, 77 tokens pinned; $runtime)', ({ name, operation, runtime }) => {
  it('CFG and pix2pix batches run as batch-1 calls and reproduce diffusers within 1e-4', async () => {
    const c = loadCase(name, operation);
    await expectGolden(c, `${STATIC_B1}/${c.json.model_dir}`, runtime);
  });
});

describe.runIf(RUNTIMES.length > 1)('the native runtime on an external-data repo', () => {
  it('reproduces the SDEdit golden', async () => {
    const editor = await createEditor({ model: new NodeFolderSource(`${__dirname}/../fixtures/variants/external-data/sd`), runtime: 'native' });
    editors.push(editor);
    const c = loadCase('sdedit_img2img', 'sdedit');
    const p = c.json.params;
    const result = await editor.edit('sdedit', {
      image: caseImage(c),
      prompt: c.json.prompt,
      negativePrompt: c.json.negative_prompt,
      steps: p.num_inference_steps,
      strength: p.strength,
      guidance: p.guidance_scale,
      scheduler: 'ddim',
      noise: await caseNoise(c),
    });
    expect(maxAbsDiff(result.raw, caseOutput(c))).toBeLessThan(1e-4);
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
