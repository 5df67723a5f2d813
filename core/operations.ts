/**
 * The one table of what each edit is: its label, whether it needs a mask,
 * the model kind it runs on, its default strength, and the preset to
 * suggest for it. The editor, the adapters and every panel read it (rather
 * than keep copies of their own).
 *
 * Browser-safe, no dependencies.
 */
import type { ModelKind } from './models/repo';
import type { Operation } from './pipelines/request';

/** What one edit is. */
export interface OperationSpec {
  /** Its name for people ("Inpaint", "Edit by description"). */
  readonly label: string;
  /** It edits only the masked area, so it cannot run without a mask. */
  readonly needsMask: boolean;
  /** The model kind it runs on (the UNet's input channels decide it). */
  readonly modelKind: ModelKind;
  /** `strength` when the request leaves it out (pix2pix has no strength: 1). */
  readonly defaultStrength: number;
  /** The full preset (`models/presets.json`) to suggest when the loaded model cannot run it. */
  readonly preset: string;
}

/** Every edit, in the order panels list them. */
export const OPERATION_TABLE: Readonly<Record<Operation, OperationSpec>> = {
  inpaint: { label: 'Inpaint', needsMask: true, modelKind: 'inpaint', defaultStrength: 1, preset: 'sd2-inpaint' },
  'mask-edit': { label: 'Mask edit', needsMask: true, modelKind: 'plain', defaultStrength: 0.75, preset: 'sd-turbo' },
  sdedit: { label: 'SDEdit', needsMask: false, modelKind: 'plain', defaultStrength: 0.6, preset: 'sd-turbo' },
  pix2pix: { label: 'InstructPix2Pix', needsMask: false, modelKind: 'pix2pix', defaultStrength: 1, preset: 'instruct-pix2pix' },
  diffedit: { label: 'Edit by description', needsMask: false, modelKind: 'plain', defaultStrength: 0.8, preset: 'sd-turbo' },
};

/** The edits a model of `kind` can run, in table order. */
export function operationsFor(kind: ModelKind): Operation[] {
  return (Object.keys(OPERATION_TABLE) as Operation[]).filter((op) => OPERATION_TABLE[op].modelKind === kind);
}

/** True for the edits that cannot run without a mask (inpaint, mask-edit). */
export function needsMask(operation: Operation): boolean {
  return OPERATION_TABLE[operation].needsMask;
}

/** Each edit's label, as a record (what panels index by operation). */
export const OPERATION_LABELS: Readonly<Record<Operation, string>> = mapTable((s) => s.label);

/** Each edit's default strength, as a record. */
export const DEFAULT_STRENGTH: Readonly<Record<Operation, number>> = mapTable((s) => s.defaultStrength);

/** The edits that need a mask. */
export const MASKED_OPERATIONS: readonly Operation[] = (Object.keys(OPERATION_TABLE) as Operation[]).filter(needsMask);

function mapTable<T>(f: (spec: OperationSpec) => T): Record<Operation, T> {
  return Object.fromEntries(Object.entries(OPERATION_TABLE).map(([op, spec]) => [op, f(spec)])) as Record<Operation, T>;
}
