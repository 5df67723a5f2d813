/** The panel's parameters: defaults, per-edit controls, requests, restore, validation. */
import { describe, expect, it } from 'vitest';
import type { ResolvedParams } from '../../core/pipelines/request';
import {
  controlsFor,
  DEFAULT_STRENGTH,
  defaultParams,
  paramsForRun,
  paramsFromResult,
  randomSeed,
  toRequest,
  validate,
  withOperation,
} from '../../plugins/ui/params';

describe('panel parameters', () => {
  it('start from core defaults, with the strength of the chosen edit', () => {
    const p = defaultParams('sdedit', 7);
    expect(p).toMatchObject({ operation: 'sdedit', strength: 0.6, guidance: 7.5, imageGuidance: 1.5, seed: 7, maskBlur: 4, onlyMaskedPadding: 32, scheduler: '' });
    expect(DEFAULT_STRENGTH).toEqual({ inpaint: 1, 'mask-edit': 0.75, sdedit: 0.6, pix2pix: 1, diffedit: 0.8 });
  });

  it('move an untouched strength to the new edit default, and keep a chosen one', () => {
    const p = defaultParams('inpaint', 1);
    expect(withOperation(p, 'sdedit').strength).toBe(0.6);
    expect(withOperation({ ...p, strength: 0.3 }, 'sdedit').strength).toBe(0.3);
    expect(withOperation(p, 'inpaint')).toBe(p);
  });

  it('show only the controls an edit uses', () => {
    expect(controlsFor('pix2pix')).toMatchObject({ strength: false, imageGuidance: true, maskRequired: false, promptLabel: 'Instruction' });
    expect(controlsFor('mask-edit')).toMatchObject({ strength: true, imageGuidance: false, maskedContent: true, maskRequired: true });
    expect(controlsFor('inpaint').maskedContent).toBe(false);
  });

  it('turn into a request without the controls the edit ignores', () => {
    const p = { ...defaultParams('pix2pix', 9), prompt: 'make it snow', scheduler: 'ddim' as const };
    const r = toRequest(p);
    expect(r).toMatchObject({ prompt: 'make it snow', imageGuidance: 1.5, seed: 9, scheduler: 'ddim', steps: 20 });
    expect('strength' in r).toBe(false);
    expect('maskedContent' in r).toBe(false);
    const i = toRequest(defaultParams('inpaint', 1));
    expect('scheduler' in i).toBe(false); // the model's own
    expect(i.strength).toBe(1);
    expect(toRequest(defaultParams('mask-edit', 1)).maskedContent).toBe('original');
  });

  it('draw a new seed per run unless locked', () => {
    const p = defaultParams('inpaint', 5);
    expect(paramsForRun(p, () => 99).seed).toBe(99);
    expect(paramsForRun({ ...p, seedLocked: true }, () => 99).seed).toBe(5);
    const s = randomSeed();
    expect(Number.isInteger(s) && s >= 0 && s < 2 ** 32).toBe(true);
  });

  it('restore every parameter of a result and lock its seed', () => {
    const resolved: ResolvedParams = {
      prompt: 'fox',
      negativePrompt: 'blur',
      steps: 12,
      strength: 0.5,
      guidance: 3,
      imageGuidance: 1.2,
      scheduler: 'euler-a',
      eta: 0,
      count: 2,
      seed: 1234,
      maskBlur: 8,
      maskGrow: 2,
      onlyMasked: true,
      onlyMaskedPadding: 16,
      maskedContent: 'fill',
      resolution: 'input',
    };
    const p = paramsFromResult('mask-edit', resolved, defaultParams('inpaint', 1));
    expect(p).toEqual({
      operation: 'mask-edit',
      prompt: 'fox',
      sourcePrompt: '',
      maskMaps: 10,
      maskThreshold: 3,
      negativePrompt: 'blur',
      steps: 12,
      strength: 0.5,
      guidance: 3,
      imageGuidance: 1.2,
      seed: 1234,
      seedLocked: true,
      scheduler: 'euler-a',
      count: 2,
      maskBlur: 8,
      maskGrow: 2,
      onlyMasked: true,
      onlyMaskedPadding: 16,
      maskedContent: 'fill',
    });
  });

  it('explain what stops a run', () => {
    const p = defaultParams('inpaint', 1);
    expect(validate(p, ['inpaint'])).toEqual([]);
    expect(validate(p, ['mask-edit', 'sdedit'])[0]).toMatch(/cannot run Inpaint: pick Mask edit or SDEdit/);
    expect(validate({ ...p, steps: 0 }, [])).toEqual(['Steps must be a whole number from 1 to 1000.']);
    expect(validate({ ...p, strength: 0 }, [])).toHaveLength(1);
    expect(validate({ ...p, operation: 'pix2pix', strength: 0 }, [])).toHaveLength(0); // pix2pix ignores strength
    expect(validate({ ...p, seed: -1, count: 0, maskBlur: -1 }, [])).toHaveLength(3);
  });

  it('DiffEdit: a source prompt field, its request (edit negative and scheduler left to core), and its restore', () => {
    const p = { ...defaultParams('diffedit', 1), prompt: 'a bowl of pears', scheduler: 'euler' as const };
    expect(controlsFor('diffedit')).toMatchObject({ sourcePrompt: true, maskRequired: false, strength: true, promptLabel: 'What it should show' });
    expect(controlsFor('sdedit').sourcePrompt).toBe(false);
    expect(validate(p, [])).toEqual(['Describe what the image shows now.']);
    const withSource = { ...p, sourcePrompt: 'a bowl of fruit' };
    expect(validate(withSource, [])).toEqual([]);
    const req = toRequest(withSource);
    expect(req).toMatchObject({ prompt: 'a bowl of pears', strength: 0.8, diffedit: { sourcePrompt: 'a bowl of fruit', maskMaps: 10, maskThreshold: 3 } });
    expect(validate({ ...withSource, maskMaps: 0, maskThreshold: 0 }, [])).toHaveLength(2);
    expect('negativePrompt' in req || 'scheduler' in req).toBe(false);
    expect(toRequest({ ...withSource, negativePrompt: 'ugly' }).negativePrompt).toBe('ugly');
    const resolved: ResolvedParams = {
      ...defaultResolved(),
      prompt: 'a bowl of pears',
      negativePrompt: 'a bowl of fruit',
      diffedit: { sourcePrompt: 'a bowl of fruit', sourceNegativePrompt: '', targetNegativePrompt: '', invertNegativePrompt: '', invertGuidance: 7.5, maskSteps: 20, maskStrength: 0.5, maskGuidance: 7.5, maskMaps: 4, maskThreshold: 1.5 },
    };
    const back = paramsFromResult('diffedit', resolved, defaultParams('inpaint', 1));
    expect(back).toMatchObject({ operation: 'diffedit', sourcePrompt: 'a bowl of fruit', prompt: 'a bowl of pears', negativePrompt: '', maskMaps: 4, maskThreshold: 1.5 });
  });
});

function defaultResolved(): ResolvedParams {
  return {
    prompt: '', negativePrompt: '', steps: 20, strength: 0.8, guidance: 7.5, imageGuidance: 1.5, scheduler: 'ddim', eta: 0, count: 1,
    seed: 1, maskBlur: 4, maskGrow: 0, onlyMasked: false, onlyMaskedPadding: 32, maskedContent: 'original', resolution: 'input',
  };
}
