/**
 * Which model each edit needs, and the preset to offer for it, so the panel
 * can say "SDEdit needs a plain model: Load Tiny SD" with one click instead
 * of a dead end. Pure (no DOM, no Preact).
 */
import type { Operation } from '../../core/pipelines/request';
import type { ModelPresetOption } from './components/ModelManager';

/** The model kind (a preset's `kind`) that runs each edit. */
export const KIND_FOR_OPERATION: Readonly<Record<Operation, string>> = {
  inpaint: 'inpaint',
  'mask-edit': 'plain',
  sdedit: 'plain',
  diffedit: 'plain',
  pix2pix: 'pix2pix',
};

/** The kind in a designer's words, after "needs": "an inpainting model". */
export const KIND_NEEDS: Readonly<Record<string, string>> = {
  inpaint: 'an inpainting model',
  plain: 'a plain Stable Diffusion model',
  pix2pix: 'an InstructPix2Pix model',
};

/** A test model (random weights): offered only next to another test model. */
function isTestModel(title: string): boolean {
  return /test model/i.test(title);
}

/**
 * The preset to offer for `operation`: one already stored in this browser
 * first (it loads at once), then one of the same sort as the loaded model
 * (test models with test models), then the first of the right kind.
 */
export function presetFor(
  operation: Operation,
  presets: readonly ModelPresetOption[],
  context: { storedIds?: readonly string[]; currentTitle?: string } = {},
): ModelPresetOption | undefined {
  const fitting = presets.filter((p) => p.kind === KIND_FOR_OPERATION[operation]);
  const stored = fitting.find((p) => context.storedIds?.includes(p.id));
  if (stored) return stored;
  if (context.currentTitle !== undefined) {
    const test = isTestModel(context.currentTitle);
    const alike = fitting.find((p) => isTestModel(p.title) === test);
    if (alike) return alike;
  }
  return fitting[0];
}
