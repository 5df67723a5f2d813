/**
 * Every number and size has a limit, checked before any model runs, and no
 * radius makes a mask operation cost more than the image size allows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEditor, type Editor } from '../../core/editor';
import { blurMask, createMask, growMask, InvalidInputError, shrinkMask } from '../../core/image';
import { declaredImageSize } from '../../core/image/header';
import { decodePng } from '../../core/image/png-node';
import type { EditProgress } from '../../core/jobs/progress';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { checkImageLimits, EDIT_LIMITS, validateEditRequest } from '../../core/pipelines/limits';
import type { EditRequest } from '../../core/pipelines/request';
import { FIXTURES, GOLDEN } from '../pipelines/golden';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jpegDeclaring, pngDeclaring } from './bad-files';

describe('validateEditRequest', () => {
  it.each<[Partial<EditRequest>, RegExp]>([
    [{ steps: 1e9 }, /Steps must be a whole number from 1 to 1000/],
    [{ steps: 1e7 }, /Steps/],
    [{ steps: 0 }, /Steps/],
    [{ steps: Number.NaN }, /Steps/],
    [{ count: 17 }, /number of images must be a whole number from 1 to 16/],
    [{ seed: -2 }, /seed/],
    [{ seed: 2 ** 53 }, /seed/],
    [{ seed: 1.5 }, /seed/],
    [{ maskBlur: 1e9 }, /Mask blur must be a number from 0 px to 1024 px/],
    [{ maskBlur: -1 }, /Mask blur/],
    [{ maskGrow: 1e9 }, /Mask grow/],
    [{ maskGrow: Number.POSITIVE_INFINITY }, /Mask grow/],
    [{ onlyMaskedPadding: 1e9 }, /padding/],
    [{ guidance: 1e9 }, /Guidance/],
    [{ imageGuidance: Number.NaN }, /Image guidance/],
    [{ strength: 0 }, /Strength/],
    [{ eta: 2 }, /Eta/],
    [{ prompt: 5 as unknown as string }, /prompt must be text/],
    [{ negativePrompt: 5 as unknown as string }, /negative prompt must be text/],
    [{ negativePrompt: ['a'] as unknown as string }, /negative prompt must be text/],
    [{ maskedContent: 'noise' as 'fill' }, /Masked content/],
    [{ image: { width: 20000, height: 20000, data: new Uint8ClampedArray(0) } }, /20000x20000 px, larger than Stipple takes/],
  ])('refuses %o with a typed error', (bad, message) => {
    expect(() => validateEditRequest('sdedit', bad)).toThrow(InvalidInputError);
    expect(() => validateEditRequest('sdedit', bad)).toThrow(message);
  });

  it('accepts the bounds themselves, -1 as a random seed, and unset fields', () => {
    expect(() =>
      validateEditRequest('sdedit', {
        steps: EDIT_LIMITS.steps.max,
        count: EDIT_LIMITS.count.max,
        seed: EDIT_LIMITS.seed.max,
        maskBlur: EDIT_LIMITS.maskBlur.max,
        maskGrow: EDIT_LIMITS.maskGrow.min,
        onlyMaskedPadding: 0,
      }),
    ).not.toThrow();
    expect(() => validateEditRequest('sdedit', { seed: -1 })).not.toThrow();
    expect(() => validateEditRequest('sdedit', {})).not.toThrow();
  });

  it('checkImageLimits refuses too many pixels even when each side is allowed', () => {
    expect(() => checkImageLimits(16000, 16000, 'The image')).toThrow(/megapixels/);
    expect(() => checkImageLimits(4000, 3000, 'The image')).not.toThrow();
  });
});

describe('declaredImageSize', () => {
  it('reads a PNG header without decoding: a 45-byte file declaring 20000x20000', () => {
    const png = pngDeclaring(20000, 20000);
    expect(png.length).toBe(45);
    expect(declaredImageSize(png)).toEqual({ width: 20000, height: 20000 });
  });

  it('reads a real PNG fixture the same as decoding it', () => {
    const bytes = new Uint8Array(readFileSync(join(GOLDEN, 'sdedit_img2img', 'input.png')));
    const decoded = decodePng(bytes);
    expect(declaredImageSize(bytes)).toEqual({ width: decoded.width, height: decoded.height });
  });

  it('reads a JPEG start-of-frame after other segments', () => {
    expect(declaredImageSize(jpegDeclaring(30000, 1200))).toEqual({ width: 30000, height: 1200 });
  });

  it('returns null for other bytes and cut-short headers', () => {
    expect(declaredImageSize(new Uint8Array(0))).toBeNull();
    expect(declaredImageSize(new TextEncoder().encode('<html>not an image</html>'))).toBeNull();
    expect(declaredImageSize(pngDeclaring(5, 5).subarray(0, 20))).toBeNull();
    expect(declaredImageSize(jpegDeclaring(5, 5).subarray(0, 12))).toBeNull();
  });
});

describe('mask radii larger than the image', () => {
  const mask = createMask(64, 48);
  mask.data[10 * 64 + 20] = 1;
  mask.data[11 * 64 + 20] = 0.5;

  it('blur 1e9 ends (clamped to the larger side) and gives the same as the clamp', () => {
    expect(blurMask(mask, 1e9).data).toEqual(blurMask(mask, 64).data);
  });

  it('grow and shrink 1e9 end and equal a radius past the diagonal', () => {
    const reach = Math.ceil(Math.hypot(64, 48)) + 1;
    expect(growMask(mask, 1e9).data).toEqual(growMask(mask, reach).data);
    expect(growMask(mask, 1e9).data.every((v) => v === 1)).toBe(true);
    expect(shrinkMask(mask, 1e9).data).toEqual(shrinkMask(mask, reach).data);
    expect(shrinkMask(mask, 1e9).data.every((v) => v === 0)).toBe(true);
  });
});

describe('the editor checks limits before any model runs', () => {
  let editor: Editor;
  beforeAll(async () => {
    editor = await createEditor({ model: new NodeFolderSource(`${FIXTURES}/sd`) });
  });
  afterAll(async () => {
    await editor.dispose();
  });
  const image = { width: 16, height: 16, data: new Uint8ClampedArray(16 * 16 * 4).fill(200) };

  it.each<[Partial<EditRequest>, RegExp]>([
    [{ steps: 1e9 }, /Steps/],
    [{ maskBlur: 1e9 }, /Mask blur/],
    [{ negativePrompt: 3 as unknown as string }, /negative prompt must be text/],
  ])('%o fails with InvalidInputError before the text encoder', async (bad, message) => {
    const phases: string[] = [];
    const onProgress = (p: EditProgress): void => {
      if (p.type === 'phase') phases.push(p.phase);
    };
    const run = editor.edit('sdedit', { image, prompt: 'x', onProgress, ...bad });
    await expect(run).rejects.toBeInstanceOf(InvalidInputError);
    await expect(editor.edit('sdedit', { image, prompt: 'x', onProgress, ...bad })).rejects.toThrow(message);
    expect(phases).toEqual([]);
  });
});
