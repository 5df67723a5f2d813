/**
 * DiffEdit parity: fed diffusers' recorded noise, the core API reproduces
 * diffusers 0.31's mask exactly, the inverted latents within 2e-3 and the
 * output within 1e-2 (golden-diffedit README tolerances).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEditor, type Editor } from '../../core/editor';
import { CancelledError, WrongModelKindError } from '../../core/errors';
import { InvalidInputError, resizeRgba } from '../../core/image';
import { readFixtureNoise, ReplayNoise } from '../../core/tensor';
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

describe('diffedit behaviour', () => {
  const c = loadDiffEditCase('diffedit_basic_ratio2');

  it('a user mask skips mask generation and its draws: the golden output with only the inversion draw', async () => {
    const latent = diffEditFile(c, 'mask.bin');
    // The golden mask drawn at image size (each latent pixel an 8x8 block).
    const mask = { width: 64, height: 64, data: new Float32Array(64 * 64).map((_, i) => latent[Math.floor(i / 64 / 8) * 8 + Math.floor((i % 64) / 8)]!) };
    const all = await readFixtureNoise(JSON.parse(readFileSync(join(c.dir, 'case.json'), 'utf8')), async (f) => new Uint8Array(readFileSync(join(c.dir, f))));
    const noise = new ReplayNoise(all.slice(2));
    const phases: string[] = [];
    const result = await editor.edit('diffedit', {
      ...diffEditRequest(c),
      image: diffEditImage(c),
      mask,
      noise,
      onProgress: (e) => e.type === 'phase' && phases.push(e.phase),
    });
    expect(noise.remaining()).toBe(0);
    expect(result.diffedit!.generated).toBe(false);
    expect(Array.from(result.diffedit!.mask)).toEqual(Array.from(latent));
    expect(result.diffedit!.stages.mask.unetCalls).toBe(0);
    expect(phases).not.toContain('generate-mask');
    expect(maxAbsDiff(result.raw, diffEditFile(c, 'output.bin'))).toBeLessThan(1e-2);
  });

  it('runs at any size (64x96): mask, inverted latents and image at the input size; untouched outside the mask', async () => {
    const image = resizeRgba(diffEditImage(c), 96, 64, 'bilinear');
    const phases: string[] = [];
    const steps: Record<string, number[]> = {};
    let current = '';
    const result = await editor.edit('diffedit', {
      image,
      prompt: 'a bowl of pears',
      steps: 4,
      maskBlur: 0,
      maxWorkingPixels: 96 * 64,
      seed: 3,
      diffedit: { sourcePrompt: 'a bowl of fruit', maskMaps: 3, maskThreshold: 1.2 },
      onProgress: (e) => {
        if (e.type === 'phase') phases.push((current = e.phase));
        if (e.type === 'step') (steps[current] ??= []).push(e.total);
      },
    });
    expect(phases).toEqual(['encode-text', 'encode-image', 'generate-mask', 'invert', 'denoise', 'decode', 'composite']);
    expect(steps['generate-mask']).toEqual([3, 3, 3]);
    expect(steps.invert).toEqual([3, 3, 3]); // 4 steps at the default strength 0.8
    expect(steps.denoise).toEqual([3, 3, 3]);
    const d = result.diffedit!;
    expect(d.maskDims).toEqual([1, 8, 12]);
    expect(d.invertedDims).toEqual([1, 3, 4, 8, 12]);
    expect(result.meta.params.negativePrompt).toBe('a bowl of fruit');
    expect(result.meta.params.scheduler).toBe('ddim');
    expect(result.meta.params.diffedit).toMatchObject({ maskMaps: 3, maskStrength: 0.5, maskSteps: 4, invertGuidance: 7.5 });
    const out = result.images[0]!;
    expect([out.width, out.height, d.imageMask.width, d.imageMask.height]).toEqual([96, 64, 96, 64]);
    let kept = 0;
    let changed = 0;
    for (let p = 0; p < 96 * 64; p++) {
      const same = [0, 1, 2, 3].every((k) => out.data[p * 4 + k] === image.data[p * 4 + k]);
      if (d.imageMask.data[p] === 0) {
        expect(same).toBe(true);
        kept++;
      } else if (!same) changed++;
    }
    expect(kept).toBeGreaterThan(0);
    expect(changed).toBeGreaterThan(0);
  });

  it('cancel during the inversion throws CancelledError and the editor still works', async () => {
    const controller = new AbortController();
    let phase = '';
    const run = editor.edit('diffedit', {
      image: diffEditImage(c),
      prompt: 'a bowl of pears',
      steps: 4,
      seed: 1,
      diffedit: { sourcePrompt: 'a bowl of fruit', maskMaps: 2 },
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === 'phase') phase = e.phase;
        if (e.type === 'step' && phase === 'invert') controller.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    const again = await editor.edit('diffedit', { image: diffEditImage(c), prompt: 'x', steps: 2, seed: 1, diffedit: { sourcePrompt: 'y', maskMaps: 1 } });
    expect(again.images).toHaveLength(1);
  });

  it('refuses bad input with a typed error a designer understands', async () => {
    const image = diffEditImage(c);
    await expect(editor.edit('diffedit', { image, prompt: 'a dog' })).rejects.toThrow(InvalidInputError);
    await expect(editor.edit('diffedit', { image, prompt: 'a dog' })).rejects.toThrow(/source prompt/);
    await expect(editor.edit('diffedit', { image, prompt: 'a dog', scheduler: 'euler', diffedit: { sourcePrompt: 'a cat' } })).rejects.toThrow(/DDIM/);
    await expect(editor.edit('diffedit', { image, prompt: 'a dog', diffedit: { sourcePrompt: 'a cat', maskMaps: 0 } })).rejects.toThrow(/mask maps/);
    await expect(editor.edit('diffedit', { image, prompt: 'a dog', diffedit: { sourcePrompt: 'a cat', maskStrength: 1.5 } })).rejects.toThrow(/Mask strength/);
    await expect(editor.edit('diffedit', { image, prompt: 'a dog', diffedit: { sourcePrompt: 'a cat', maskThreshold: 0 } })).rejects.toThrow(/threshold/);
    await expect(editor.edit('diffedit', { image, prompt: 'a dog', diffedit: { sourcePrompt: 'a cat', invertGuidance: -1 } })).rejects.toThrow(/Inversion guidance/);
    const inpaint = await createEditor({ model: new NodeFolderSource(`${FIXTURES}/sd-inpaint`) });
    try {
      await expect(inpaint.edit('diffedit', { image, prompt: 'a dog', diffedit: { sourcePrompt: 'a cat' } })).rejects.toBeInstanceOf(WrongModelKindError);
    } finally {
      await inpaint.dispose();
    }
  });

  it('runs in low-memory mode and makes several variants (eta 1: each draws its own step noise)', async () => {
    const low = await createEditor({ model: new NodeFolderSource(`${FIXTURES}/sd`), lowMemory: true });
    try {
      const result = await low.edit('diffedit', {
        image: diffEditImage(c),
        prompt: 'a bowl of pears',
        steps: 3,
        count: 2,
        eta: 1,
        seed: 4,
        diffedit: { sourcePrompt: 'a bowl of fruit', maskMaps: 2, maskThreshold: 1 },
      });
      expect(result.images).toHaveLength(2);
      expect(result.raw.length).toBe(2 * 64 * 64 * 3);
      expect(maxAbsDiff(result.raw.subarray(0, 64 * 64 * 3), result.raw.subarray(64 * 64 * 3))).toBeGreaterThan(0);
    } finally {
      await low.dispose();
    }
  });

  it('identical prompts give a flat zero map and, as in diffusers, a mask of all ones', async () => {
    const result = await editor.edit('diffedit', { image: diffEditImage(c), prompt: 'a cat', steps: 2, seed: 5, diffedit: { sourcePrompt: 'a cat', maskMaps: 1 } });
    expect(Array.from(result.diffedit!.map!).every((v) => v === 0)).toBe(true);
    expect(Array.from(result.diffedit!.mask).every((v) => v === 1)).toBe(true);
  });
});
