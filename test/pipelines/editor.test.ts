/**
 * What designers expect on top of diffusers: any input size, untouched
 * pixels outside the mask, mask tools, progress, previews, cancel, seeds,
 * and clear errors for bad input. Real ONNX Runtime sessions on the fixture models.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEditor, type Editor } from '../../core/editor';
import { CancelledError, WrongModelKindError } from '../../core/errors';
import { blurMask, growMask, InvalidInputError, type Mask, type RgbaImage } from '../../core/image';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import type { EditProgress } from '../../core/jobs/progress';
import { SCHEDULER_NAMES } from '../../core/schedulers';
import { FIXTURES } from './golden';

let plain: Editor;
let inpainting: Editor;
let pix2pix: Editor;
beforeAll(async () => {
  [plain, inpainting, pix2pix] = await Promise.all(
    ['sd', 'sd-inpaint', 'ip2p'].map((d) => createEditor({ model: new NodeFolderSource(`${FIXTURES}/${d}`) })),
  );
});
afterAll(async () => {
  await Promise.all([plain, inpainting, pix2pix].map((e) => e.dispose()));
});

/** A deterministic, textured test image. */
function image(width: number, height: number): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      data[i] = (x * 7) & 255;
      data[i + 1] = (y * 5) & 255;
      data[i + 2] = ((x + y) * 3) & 255;
      data[i + 3] = 255 - ((x * y) & 15);
    }
  }
  return { width, height, data };
}

/** A rectangle of 1s in a mask of 0s. */
function boxMask(width: number, height: number, x0: number, y0: number, w: number, h: number): Mask {
  const data = new Float32Array(width * height);
  for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) data[y * width + x] = 1;
  return { width, height, data };
}

function sameOutside(original: RgbaImage, result: RgbaImage, coverage: Mask): { same: number; outside: number } {
  let same = 0;
  let outside = 0;
  for (let p = 0; p < coverage.data.length; p++) {
    if (coverage.data[p]! > 0) continue;
    outside++;
    let eq = true;
    for (let c = 0; c < 4; c++) eq &&= original.data[p * 4 + c] === result.data[p * 4 + c];
    if (eq) same++;
  }
  return { same, outside };
}

const base = { prompt: 'a red fox', steps: 3, seed: 1234 };

describe('any input size', () => {
  it('returns results at the exact input size when it is not a multiple of the model size', async () => {
    const img = image(100, 75);
    const result = await plain.edit('sdedit', { ...base, image: img });
    expect(result.images[0]!.width).toBe(100);
    expect(result.images[0]!.height).toBe(75);
    // 'input': rounded down to 8 px (96x72), then to the tiny UNet's 16 px.
    expect([result.meta.workingWidth, result.meta.workingHeight]).toEqual([96, 64]);
    expect(result.raw.length).toBe(result.meta.workingWidth * result.meta.workingHeight * 3);
    expect(result.warnings.map((w) => w.code)).toContain('RESIZED_FOR_MODEL');
    // The model makes RGB only: the original alpha is kept.
    for (let i = 3; i < img.data.length; i += 4) expect(result.images[0]!.data[i]).toBe(img.data[i]);
  });

  it('refuses an image above maxPixels instead of shrinking it, and runs it at the native size when asked', async () => {
    const big = image(640, 320);
    const err = await plain.edit('sdedit', { ...base, steps: 2, image: big }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toMatch(/640x320.*'native'/s);
    const result = await plain.edit('sdedit', { ...base, steps: 2, image: big, resolution: 'native' });
    expect(result.meta.workingWidth * result.meta.workingHeight).toBeLessThanOrEqual(64 * 64);
    expect(result.images[0]!.width).toBe(640);
    const capped = await plain.edit('sdedit', { ...base, steps: 2, image: image(640, 320), maxPixels: 640 * 320 });
    expect([capped.meta.workingWidth, capped.meta.workingHeight]).toEqual([640, 320]);
  });
});

describe('untouched areas stay untouched', () => {
  it('inpaint: every pixel outside the feathered mask equals the original byte for byte', async () => {
    const img = image(96, 80);
    const mask = boxMask(96, 80, 30, 20, 24, 20);
    const result = await inpainting.edit('inpaint', { ...base, image: img, mask, maskBlur: 6 });
    const coverage = blurMask(mask, 6);
    const { same, outside } = sameOutside(img, result.images[0]!, coverage);
    expect(outside).toBeGreaterThan(3000);
    expect(same).toBe(outside);
    // ...and inside the mask the model really changed something.
    const inside = (30 * 96 + 40) * 4;
    expect(Array.from(result.images[0]!.data.subarray(inside, inside + 3))).not.toEqual(Array.from(img.data.subarray(inside, inside + 3)));
  });

  it('only masked: edits a padded box around the mask at full working resolution and pastes it back', async () => {
    const img = image(200, 150);
    const mask = boxMask(200, 150, 120, 40, 20, 10);
    const result = await plain.edit('mask-edit', {
      ...base,
      image: img,
      mask,
      onlyMasked: true,
      onlyMaskedPadding: 16,
      maskBlur: 2,
      resolution: 'native',
    });
    const { region } = result.meta;
    expect(region.x).toBeLessThanOrEqual(120 - 16);
    expect(region.y).toBeLessThanOrEqual(40 - 16);
    expect(region.x + region.width).toBeGreaterThanOrEqual(140 + 16);
    expect(region.width).toBeLessThan(200);
    // With 'native' the crop is edited at (about) the model's native area, not at its own small size.
    expect(result.meta.workingWidth * result.meta.workingHeight).toBeGreaterThan(region.width * region.height);
    const { same, outside } = sameOutside(img, result.images[0]!, blurMask(mask, 2));
    expect(same).toBe(outside);
  });
});

describe('mask tools', () => {
  it('grow widens the repainted area; masked content choices change the start', async () => {
    const img = image(64, 64);
    const mask = boxMask(64, 64, 24, 24, 16, 16);
    const grown = await plain.edit('mask-edit', { ...base, image: img, mask, maskGrow: 6, maskBlur: 0 });
    const grownMask = growMask(mask, 6);
    const ring = (24 - 4) * 64 + 32; // inside the grown mask, outside the original one
    expect(grownMask.data[ring]).toBe(1);
    expect(mask.data[ring]).toBe(0);
    expect(Array.from(grown.images[0]!.data.subarray(ring * 4, ring * 4 + 3))).not.toEqual(Array.from(img.data.subarray(ring * 4, ring * 4 + 3)));

    const raws = [];
    for (const maskedContent of ['original', 'fill', 'latent-noise', 'latent-nothing'] as const) {
      const r = await plain.edit('mask-edit', { ...base, image: img, mask, maskedContent, strength: 0.8 });
      expect(r.meta.params.maskedContent).toBe(maskedContent);
      raws.push(r.raw);
    }
    for (let i = 1; i < raws.length; i++) expect(raws[i]).not.toEqual(raws[0]);
  });
});

describe('progress, previews and cancel', () => {
  it('reports every step, phases and previews every N steps', async () => {
    const events: EditProgress[] = [];
    await inpainting.edit('inpaint', {
      ...base,
      steps: 5,
      scheduler: 'ddim',
      image: image(64, 64),
      mask: boxMask(64, 64, 8, 8, 20, 20),
      previewEvery: 2,
      onProgress: (e) => events.push(e),
    });
    const steps = events.filter((e) => e.type === 'step');
    expect(steps.map((e) => e.step)).toEqual([1, 2, 3, 4, 5]);
    expect(steps.every((e) => e.total === 5 && e.elapsedMs >= 0)).toBe(true);
    const previews = events.filter((e) => e.type === 'preview');
    expect(previews.map((e) => e.step)).toEqual([2, 4, 5]);
    if (previews[0]?.type === 'preview') expect(previews[0].images[0]!.width).toBeGreaterThan(0);
    expect(events.filter((e) => e.type === 'phase').map((e) => e.type === 'phase' && e.phase)).toEqual([
      'encode-text',
      'encode-image',
      'decode',
      'composite',
    ]);
  });

  it('cancel stops within one step, throws CancelledError, and the editor still works after', async () => {
    const controller = new AbortController();
    let stepsSeen = 0;
    const run = plain.edit('sdedit', {
      ...base,
      steps: 20,
      strength: 1,
      image: image(64, 64),
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === 'step' && ++stepsSeen === 2) controller.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(stepsSeen).toBe(2);
    const again = await plain.edit('sdedit', { ...base, image: image(64, 64) });
    expect(again.images).toHaveLength(1);
  });
});

describe('reproducible results', () => {
  it('same seed, same result; another seed, another result; the seed is reported when not given', async () => {
    const img = image(64, 48);
    const a = await plain.edit('sdedit', { ...base, image: img });
    const b = await plain.edit('sdedit', { ...base, image: img });
    const c = await plain.edit('sdedit', { ...base, image: img, seed: 99 });
    expect(b.raw).toEqual(a.raw);
    expect(c.raw).not.toEqual(a.raw);
    const random = await plain.edit('sdedit', { ...base, seed: undefined, image: img });
    expect(typeof random.meta.params.seed).toBe('number');
    const replay = await plain.edit('sdedit', { ...base, image: img, seed: random.meta.params.seed! });
    expect(replay.raw).toEqual(random.raw);
  });

  it('count gives distinct variants in one call', async () => {
    const r = await pix2pix.edit('pix2pix', { ...base, image: image(64, 64), count: 3 });
    expect(r.images).toHaveLength(3);
    expect(r.raw.length).toBe(3 * 64 * 64 * 3);
    const one = 64 * 64 * 3;
    expect(r.raw.subarray(0, one)).not.toEqual(r.raw.subarray(one, 2 * one));
  });

  it.each(SCHEDULER_NAMES)('runs with the %s scheduler', async (scheduler) => {
    const r = await plain.edit('sdedit', { ...base, steps: 4, strength: 0.75, image: image(32, 32), scheduler });
    expect(r.meta.params.scheduler).toBe(scheduler);
    expect(r.raw.every((x) => Number.isFinite(x))).toBe(true);
  });
});

describe('bad input', () => {
  const img = image(64, 64);
  const mask = boxMask(64, 64, 10, 10, 20, 20);

  it('a mask of another size is resized, with a warning', async () => {
    const r = await inpainting.edit('inpaint', { ...base, image: img, mask: boxMask(32, 32, 5, 5, 10, 10) });
    expect(r.warnings.map((w) => w.code)).toContain('MASK_RESIZED');
    expect(r.images[0]!.width).toBe(64);
  });

  it('an empty mask returns the original without running the model', async () => {
    const noDraws = { randn: () => { throw new Error('the model ran'); } };
    const r = await inpainting.edit('inpaint', { ...base, image: img, mask: boxMask(64, 64, 0, 0, 0, 0), noise: noDraws });
    expect(r.warnings.map((w) => w.code)).toEqual(['MASK_EMPTY']);
    expect(r.images[0]!.data).toEqual(img.data);
    expect(r.timings.unetMs).toHaveLength(0);
  });

  it('an all-white mask regenerates the whole image, with a warning', async () => {
    const r = await inpainting.edit('inpaint', { ...base, image: img, mask: boxMask(64, 64, 0, 0, 64, 64) });
    expect(r.warnings.map((w) => w.code)).toContain('MASK_FULL');
  });

  it('a model of the wrong kind names the edit that fits', async () => {
    await expect(plain.edit('inpaint', { ...base, image: img, mask })).rejects.toThrow(WrongModelKindError);
    await expect(plain.edit('inpaint', { ...base, image: img, mask })).rejects.toThrow(/mask-edit/);
    await expect(inpainting.edit('sdedit', { ...base, image: img })).rejects.toThrow(/`inpaint`/);
    await expect(pix2pix.edit('mask-edit', { ...base, image: img, mask })).rejects.toThrow(/`pix2pix`/);
  });

  it.each([
    [{ strength: 0 }, /Strength/],
    [{ strength: 1.5 }, /Strength/],
    [{ steps: 0 }, /Steps/],
    [{ steps: 2.5 }, /Steps/],
    [{ count: 0 }, /number of images/],
    [{ strength: 0.05, steps: 10, scheduler: 'ddim' as const }, /no denoising step/],
    [{ steps: 1000 }, /more than this model's pndm schedule can take/],
  ])('rejects %o', async (bad, message) => {
    const run = plain.edit('sdedit', { ...base, image: img, ...bad });
    await expect(run).rejects.toBeInstanceOf(InvalidInputError);
    await expect(plain.edit('sdedit', { ...base, image: img, ...bad })).rejects.toThrow(message);
  });

  it('a masked edit without a mask, and a damaged image, are clear errors', async () => {
    await expect(inpainting.edit('inpaint', { ...base, image: img })).rejects.toThrow(/needs a mask/);
    await expect(plain.edit('sdedit', { ...base, image: { width: 10, height: 10, data: new Uint8ClampedArray(3) } })).rejects.toThrow(
      InvalidInputError,
    );
  });
});
