/**
 * An edit of the active Photopea document, start to finish: plan what to
 * read (the whole document, or a crop around the selection), read it, run
 * the engine, and turn a result into the layer that is added back.
 */
import type { EditResult } from '../../core/editor';
import { createMask, expandRect, MAX_IMAGE_SIDE, type Mask, type Rect, type RgbaImage, type Size } from '../../core/image';
import type { EditRequest, Operation } from '../../core/pipelines/request';
import type { EditEngine } from '../../core/engine';
import { MASKED_OPERATIONS, OPERATION_LABELS } from '../../core/operations';
import { NoSelectionError, PhotopeaError } from './errors';
import { selectionRect, type DocumentInfo, type PhotopeaDocument, type PlacedLayer } from './document';
import { rectangularSelection } from './reselect';

/** What edits run on: core's one engine interface (inline or in a Worker). */
export type { EditEngine };

/** Edits that need a mask: in Photopea, the selection. */
export { MASKED_OPERATIONS };

/**
 * Documents with more pixels than this are only edited around a selection
 * (default 4096 x 4096): reading them whole would take hundreds of MB in
 * the panel, and the model runs at well under a megapixel anyway.
 */
export const DEFAULT_MAX_DOCUMENT_PIXELS = 4096 * 4096;

export interface PlanOptions {
  /** Edit a crop around the selection (core's "only masked"). */
  onlyMasked?: boolean;
  /** Context around the selection for a crop, px (default 32). */
  padding?: number;
  /** Ignore the selection and edit the whole image (masked edits get a full mask). */
  wholeImage?: boolean;
  /** See {@link DEFAULT_MAX_DOCUMENT_PIXELS}. */
  maxDocumentPixels?: number;
}

/** What an edit reads from the document. */
export interface EditPlan {
  document: Size;
  /** The selection's bounds inside the document, or null. */
  selection: Rect | null;
  /** The part of the document that is read and edited. */
  region: Rect;
  /** True when `region` is a crop around the selection. */
  cropped: boolean;
  /** Whether the selection is read as the mask. */
  useSelection: boolean;
  /** Why the edit is cropped when the user did not ask for it: show it with the result. */
  note?: string;
}

/**
 * Decides what to read. A masked edit needs a selection (unless
 * `wholeImage`); a document above `maxDocumentPixels` is only edited around
 * its selection, with `padding` of context.
 *
 * @throws {NoSelectionError} for a masked edit without a selection (it lists the edits the engine can run on the whole image).
 * @throws {PhotopeaError} `TOO_LARGE` for a huge document without a selection.
 */
export function planEdit(info: DocumentInfo, operation: Operation, engineOperations: readonly Operation[], options: PlanOptions = {}): EditPlan {
  const document = { width: info.width, height: info.height };
  const whole: Rect = { x: 0, y: 0, ...document };
  const selection = options.wholeImage ? null : selectionRect(info);
  const maxPixels = options.maxDocumentPixels ?? DEFAULT_MAX_DOCUMENT_PIXELS;
  const huge = info.width * info.height > maxPixels || info.width > MAX_IMAGE_SIDE || info.height > MAX_IMAGE_SIDE;
  if (!selection && MASKED_OPERATIONS.includes(operation) && !options.wholeImage) {
    const label = OPERATION_LABELS[operation];
    throw new NoSelectionError(
      `Nothing is selected in Photopea. ${label} changes the selected area: select it (Lasso, Marquee or Magic Wand) and run again${
        huge ? '.' : `, or run ${label} on the whole image.`
      }`,
      huge ? [] : engineOperations,
    );
  }
  if (!selection) {
    if (huge) {
      throw new PhotopeaError(
        'TOO_LARGE',
        `The document is ${info.width}×${info.height} px, too large to edit whole. Select the area to change: Stipple then works on a crop around it.`,
      );
    }
    return { document, selection: null, region: whole, cropped: false, useSelection: false };
  }
  if (options.onlyMasked || huge) {
    const region = expandRect(selection, options.padding ?? 32, document);
    if (huge && (region.width * region.height > maxPixels || region.width > MAX_IMAGE_SIDE || region.height > MAX_IMAGE_SIDE)) {
      throw new PhotopeaError(
        'TOO_LARGE',
        `The selection (${selection.width}×${selection.height} px, with its context) is too large to edit. Select a smaller area.`,
      );
    }
    const plan: EditPlan = { document, selection, region, cropped: true, useSelection: true };
    if (!options.onlyMasked) plan.note = `The document is large (${info.width}×${info.height} px), so only the area around the selection was edited.`;
    return plan;
  }
  return { document, selection, region: whole, cropped: false, useSelection: true };
}

/** The request of an edit, without what the document supplies. */
export type PhotopeaRequest = Omit<EditRequest, 'image' | 'mask'>;

/** A finished edit of a Photopea document, ready to be applied. */
export interface PhotopeaEdit {
  operation: Operation;
  plan: EditPlan;
  /** The pixels of `plan.region` before the edit. */
  original: RgbaImage;
  result: EditResult;
  /** The selection when it is exactly a rectangle: Apply selects it again where channels are not scriptable. */
  reselect?: Rect | null;
}

/**
 * Reads the document (a crop around the selection when the plan says so),
 * runs `operation` on `engine`, and returns the result, not yet applied.
 * The document is only read: nothing changes in it.
 */
export async function editDocument(
  doc: PhotopeaDocument,
  engine: EditEngine,
  operation: Operation,
  request: PhotopeaRequest,
  options: PlanOptions = {},
): Promise<PhotopeaEdit> {
  const plan = planEdit(await doc.info(), operation, engine.operations, {
    ...options,
    onlyMasked: options.onlyMasked ?? request.onlyMasked,
    padding: options.padding ?? request.onlyMaskedPadding,
  });
  const original = await doc.readImage({ region: plan.region });
  let mask: Mask | undefined;
  if (plan.useSelection) mask = await doc.readSelectionMask({ region: plan.region });
  else if (MASKED_OPERATIONS.includes(operation)) mask = createMask(original.width, original.height, 1);
  const req: EditRequest = { ...request, image: original, onlyMasked: plan.cropped ? true : (request.onlyMasked ?? false) };
  if (mask) req.mask = mask;
  const result = await engine.edit(operation, req);
  const reselect = plan.useSelection && mask && plan.selection ? rectangularSelection(mask, plan.region, plan.selection) : null;
  return { operation, plan, original, result, reselect };
}

/**
 * The layer for result `index`: only the pixels the edit changed, on
 * transparency, trimmed to their bounds, and where it goes in the document.
 * Over the original it shows exactly the result; null when nothing changed.
 */
export function resultLayer(edit: PhotopeaEdit, index = 0): { image: RgbaImage; x: number; y: number } | null {
  const img = edit.result.images[index];
  if (!img) throw new RangeError(`There is no result ${index + 1} (the edit made ${edit.result.images.length}).`);
  const a = edit.original.data;
  const b = img.data;
  const w = img.width;
  let x0 = w, y0 = img.height, x1 = -1, y1 = -1;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < w; x++) {
      const p = (y * w + x) * 4;
      if (a[p] !== b[p] || a[p + 1] !== b[p + 1] || a[p + 2] !== b[p + 2] || a[p + 3] !== b[p + 3]) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        y1 = y;
      }
    }
  }
  if (x1 < 0) return null;
  const width = x1 - x0 + 1;
  const height = y1 - y0 + 1;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = ((y + y0) * w + x + x0) * 4;
      if (a[p] === b[p] && a[p + 1] === b[p + 1] && a[p + 2] === b[p + 2] && a[p + 3] === b[p + 3]) continue;
      data.set(b.subarray(p, p + 4), (y * width + x) * 4);
    }
  }
  return { image: { width, height, data }, x: edit.plan.region.x + x0, y: edit.plan.region.y + y0 };
}

/** A layer name that says what made it, e.g. `Stipple Inpaint: a red fox (seed 42)`. */
export function resultLayerName(edit: PhotopeaEdit, index = 0): string {
  const p = edit.result.meta.params;
  const prompt = p.prompt.trim().replace(/\s+/g, ' ');
  const short = prompt.length > 40 ? `${prompt.slice(0, 39)}…` : prompt;
  const variant = edit.result.images.length > 1 ? ` #${index + 1}` : '';
  const seed = p.seed === null ? '' : ` (seed ${p.seed})`;
  return `Stipple ${OPERATION_LABELS[edit.operation]}${variant}${short ? `: ${short}` : ''}${seed}`;
}

/**
 * Adds result `index` to the document as a new layer at its place.
 * Returns null (and changes nothing) when the result equals the original.
 */
export async function applyEdit(doc: PhotopeaDocument, edit: PhotopeaEdit, index = 0, name = resultLayerName(edit, index)): Promise<PlacedLayer | null> {
  const layer = resultLayer(edit, index);
  if (!layer) return null;
  return doc.addResultLayer(layer.image, { name, x: layer.x, y: layer.y, reselect: edit.reselect ?? null });
}
