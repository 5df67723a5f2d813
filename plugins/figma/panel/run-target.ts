/**
 * What "Run again" edits in Figma after an Apply. Apply selects the new
 * layer (Figma's habit, and what the user wants to see), which would make
 * the next run edit the result without a mask. So the last source and mask
 * stay the target until the user selects something other than that layer.
 */
import type { SelectionSummary } from '../../../adapters/figma/messages';
import type { FigmaInput } from '../../../adapters/figma/session';

/** The kept source and mask, and the layer Apply added (selected after it). */
export interface RunTarget {
  input: FigmaInput;
  writtenId: string;
  /** The selection the panel knew when Apply finished (Figma may report the new layer's selection after). */
  appliedOver: SelectionSummary | null;
}

/** True while the selection is unchanged since Apply, or is just the layer Apply added. */
export function keepsTarget(target: RunTarget, selection: SelectionSummary | null): boolean {
  if (!selection || selection === target.appliedOver) return true;
  return selection.ok && selection.source.id === target.writtenId && selection.masks.length === 0;
}

/** The selection line while a target is kept. */
export function targetText(target: RunTarget): string {
  const mask = target.input.mask ? 'with the same mask' : 'on the whole image';
  return `Run again edits “${target.input.source.name}” ${mask}, as last time. Select something else to edit that instead.`;
}
