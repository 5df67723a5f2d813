/**
 * Keeping the user's selection across Apply where Photopea's scripts cannot
 * store it in a channel. Moving the new layer needs no selection (with one,
 * `translate` moves only the selected pixels), so the place script drops it
 * and selects it again. `Selection.store/load` does that for any shape;
 * without them, `Selection.select(points)` (Photoshop's DOM, which
 * Photopea's scripting follows) redraws a rectangular selection exactly, the
 * marquee selection most edits start from. Other shapes are still dropped
 * (and the panel says so).
 */
import type { Mask, Rect } from '../../core/image';

/**
 * The selection as a rectangle in document px when it is exactly one
 * (fully selected inside `selection`, nothing outside), else null.
 *
 * @param mask The selection read over `region` (1 = selected).
 * @param region Where `mask` lies in the document.
 * @param selection The selection's bounds in the document.
 */
export function rectangularSelection(mask: Mask, region: Rect, selection: Rect): Rect | null {
  const x0 = Math.max(selection.x, region.x);
  const y0 = Math.max(selection.y, region.y);
  const x1 = Math.min(selection.x + selection.width, region.x + region.width);
  const y1 = Math.min(selection.y + selection.height, region.y + region.height);
  // A selection reaching outside what was read cannot be checked: not redrawn.
  if (x0 !== selection.x || y0 !== selection.y || x1 !== selection.x + selection.width || y1 !== selection.y + selection.height) return null;
  for (let y = 0; y < mask.height; y++) {
    for (let x = 0; x < mask.width; x++) {
      const dx = x + region.x;
      const dy = y + region.y;
      const inside = dx >= x0 && dx < x1 && dy >= y0 && dy < y1;
      if (mask.data[y * mask.width + x] !== (inside ? 1 : 0)) return null;
    }
  }
  return { ...selection };
}
