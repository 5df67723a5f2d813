/**
 * The resolution the panels ask for, and the working size they show before
 * Run. Panels run in a browser, where a large image at its own size is slow
 * or out of memory: above the model's native area they use `'native'`.
 */
import { nativePixels, sizeMultiple } from '../../core/editor';
import type { ModelRepo } from '../../core/models';
import { chooseWorkingSize, defaultMaxPixels, type ModelSizes, type Resolution } from '../../core/pipelines/resolution';

/** What the panel needs to know about the model's sizes. */
export function modelSizes(repo: ModelRepo): ModelSizes {
  return { vaeScaleFactor: repo.vaeScaleFactor, nativeMultiple: sizeMultiple(repo), nativePixels: nativePixels(repo) };
}

/** `'input'` up to the model's native area, `'native'` above it. */
export function panelResolution(width: number, height: number, sizes: ModelSizes): Resolution {
  return width * height > sizes.nativePixels ? 'native' : 'input';
}

/** "Runs at 512x384 px" for an image (or region) of `width x height`; '' when it cannot be told. */
export function workingSizeLabel(width: number, height: number, sizes: ModelSizes): string {
  if (!(width > 0 && height > 0)) return '';
  try {
    const s = chooseWorkingSize(width, height, panelResolution(width, height, sizes), defaultMaxPixels(sizes.nativePixels), sizes);
    return `Runs at ${s.width}x${s.height} px${s.width !== width || s.height !== height ? `, scaled back to ${width}x${height}` : ''}.`;
  } catch {
    return '';
  }
}
