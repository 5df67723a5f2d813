/**
 * The panel's defaults that must agree with each other: the preset offered
 * for each edit, and "only masked area" for a small mask on a large image,
 * with the working size shown before Run.
 */
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../core/delivery';
import { maskedRegion, prefersOnlyMasked, regionSizeLabel } from '../../plugins/ui/masked-area';
import { KIND_FOR_OPERATION, presetFor } from '../../plugins/ui/model-offer';
import { OPERATIONS } from '../../core/pipelines/request';

/** The presets as the hosts' model pickers list them (full SD models). */
const PRESET_OPTIONS = PRESETS.filter((p) => ['plain', 'inpaint', 'pix2pix'].includes(p.kind ?? '')).map((p) => ({ id: p.id, title: p.title, kind: p.kind! }));
const SIZES = { vaeScaleFactor: 8, nativeMultiple: 8, nativePixels: 512 * 512 };

describe('presetFor', () => {
  it('offers a preset of the kind each edit needs, from the real preset list', () => {
    for (const op of OPERATIONS) expect(presetFor(op, PRESET_OPTIONS)?.kind).toBe(KIND_FOR_OPERATION[op]);
  });

  it('prefers a stored preset, then one of the same sort as the loaded model', () => {
    expect(presetFor('sdedit', PRESET_OPTIONS, { currentTitle: 'Tiny SD inpainting (test model, random weights)' })?.id).toBe('tiny-sd');
    expect(presetFor('sdedit', PRESET_OPTIONS, { currentTitle: 'Stable Diffusion 2 inpainting (fp32, Optimum export)' })?.id).toBe('sd-turbo');
    expect(presetFor('sdedit', PRESET_OPTIONS, { storedIds: ['sd-turbo'], currentTitle: 'Tiny SD inpainting (test model)' })?.id).toBe('sd-turbo');
    // Inpaint opens the list on an inpainting preset (Photopea opened on plain "Tiny SD").
    expect(presetFor('inpaint', PRESET_OPTIONS)?.id).toBe('tiny-sd-inpaint');
  });
});

describe('only masked area by default', () => {
  const mask = (width: number, height: number, x: number, y: number, w: number, h: number) => {
    const data = new Float32Array(width * height);
    for (let j = y; j < y + h; j++) data.fill(1, j * width + x, j * width + x + w);
    return { width, height, data };
  };

  it('is preferred for a small mask on a large image, not for a large mask or a small image', () => {
    const small = maskedRegion(mask(4000, 3000, 1000, 1000, 200, 150), 32);
    expect(small).toEqual({ x: 968, y: 968, width: 264, height: 214 });
    expect(prefersOnlyMasked(4000, 3000, small, SIZES)).toBe(true);
    expect(prefersOnlyMasked(4000, 3000, maskedRegion(mask(4000, 3000, 0, 0, 3000, 2000), 32), SIZES)).toBe(false);
    expect(prefersOnlyMasked(512, 512, maskedRegion(mask(512, 512, 10, 10, 20, 20), 32), SIZES)).toBe(false);
    expect(prefersOnlyMasked(4000, 3000, maskedRegion(mask(4000, 3000, 0, 0, 0, 0), 32), SIZES)).toBe(false);
  });

  it('shows the working size of the masked box before Run', () => {
    const region = { x: 968, y: 968, width: 264, height: 214 };
    expect(regionSizeLabel(4000, 3000, region, true, SIZES)).toMatch(/^Only the masked area \(264x214 px with padding\): Runs at \d+x\d+ px/);
    expect(regionSizeLabel(4000, 3000, region, false, SIZES)).toMatch(/^Runs at \d+x\d+ px, scaled back to 4000x3000\.$/);
  });
});
