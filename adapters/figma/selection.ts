/**
 * What the designer selected, in Stipple's terms: one source (a layer with an
 * image fill, or a frame, group, component or instance read as rendered) and
 * optionally mask layers (shapes, vectors, pencil strokes) drawn over it.
 * Reads node properties only; never changes the document.
 */
import { needsMask, OPERATION_TABLE } from '../../core/operations';
import type { Operation } from '../../core/pipelines/request';
import type { FigmaBaseNode, FigmaSceneNode, Rect } from './api';
import { intersection } from './geometry';
import type { SelectionProblem, SelectionSummary } from './messages';

/** Every edit (core's operation table): offered with a mask. */
export const ALL_OPERATIONS: readonly Operation[] = Object.keys(OPERATION_TABLE) as Operation[];
/** Edits on the whole image: offered without a mask. */
export const WHOLE_IMAGE_OPERATIONS: readonly Operation[] = ALL_OPERATIONS.filter((op) => !needsMask(op));

/** Layers read as rendered when no image is selected: artwork made of other layers. */
const RENDERED_TYPES = new Set(['FRAME', 'GROUP', 'COMPONENT', 'COMPONENT_SET', 'INSTANCE', 'SECTION']);
/** Layers that can be a mask: shapes, vectors (pencil strokes are vectors), boolean operations, groups of those. */
const MASK_TYPES = new Set(['RECTANGLE', 'ELLIPSE', 'POLYGON', 'STAR', 'VECTOR', 'LINE', 'BOOLEAN_OPERATION', 'GROUP']);
/** More mask layers than this is almost surely a wrong selection (and slow to export). */
export const MAX_MASK_LAYERS = 64;

const TYPE_WORDS: Record<string, string> = {
  RECTANGLE: 'a rectangle',
  ELLIPSE: 'an ellipse',
  POLYGON: 'a polygon',
  STAR: 'a star',
  VECTOR: 'a vector',
  LINE: 'a line',
  TEXT: 'a text layer',
  BOOLEAN_OPERATION: 'a boolean group',
  GROUP: 'a group',
  FRAME: 'a frame',
  COMPONENT: 'a component',
  COMPONENT_SET: 'a component set',
  INSTANCE: 'an instance',
  SECTION: 'a section',
  SLICE: 'a slice',
  STICKY: 'a sticky note',
  CONNECTOR: 'a connector',
};

function describe(node: FigmaBaseNode): string {
  return `“${node.name}” (${TYPE_WORDS[node.type] ?? node.type.toLowerCase().replace(/_/g, ' ')})`;
}

/** True when the layer shows an image: it has a visible IMAGE fill. */
export function hasImageFill(node: FigmaSceneNode): boolean {
  const fills = node.fills;
  return Array.isArray(fills) && (fills as readonly { type: string; visible?: boolean }[]).some((f) => f.type === 'IMAGE' && f.visible !== false);
}

/** The first visible IMAGE fill's hash and scale mode, if any. */
export function imageFill(node: FigmaSceneNode): { hash: string; scaleMode: string } | null {
  const fills = node.fills;
  if (!Array.isArray(fills)) return null;
  for (const f of fills as readonly { type: string; visible?: boolean; imageHash?: string | null; scaleMode?: string }[]) {
    if (f.type === 'IMAGE' && f.visible !== false && typeof f.imageHash === 'string') return { hash: f.imageHash, scaleMode: f.scaleMode ?? 'FILL' };
  }
  return null;
}

/** The box a mask layer covers on the page: what is drawn (strokes included), else its geometry. */
export function drawnBox(node: FigmaSceneNode): Rect | null {
  return node.absoluteRenderBounds ?? node.absoluteBoundingBox;
}

function isDescendant(node: FigmaBaseNode, ancestor: FigmaBaseNode): boolean {
  for (let p = node.parent; p; p = p.parent) if (p.id === ancestor.id) return true;
  return false;
}

/** A selection Stipple can edit. */
export interface SelectionOk {
  ok: true;
  source: FigmaSceneNode;
  kind: 'image' | 'rendered';
  masks: FigmaSceneNode[];
  operations: Operation[];
}

/** A selection Stipple cannot edit, and what to tell the designer. */
export interface SelectionBad {
  ok: false;
  problem: SelectionProblem;
  message: string;
}

export type SelectionAnalysis = SelectionOk | SelectionBad;

const bad = (problem: SelectionProblem, message: string): SelectionBad => ({ ok: false, problem, message });

const HOW = 'Select one image, and optionally a shape drawn over it as the mask.';

/**
 * Sorts the selection into a source and masks, or says what is wrong with
 * it. The rules:
 * - exactly one layer with an image fill is the source; every other selected
 *   layer is a mask;
 * - with no image fill selected, one frame, group, component or instance is
 *   the source, read as rendered;
 * - masks are shapes, vectors, pencil strokes, boolean groups or groups of
 *   those; each must overlap the source and must not be inside it (it would
 *   be painted into the image);
 * - with a mask, all four edits are offered; without, only whole-image ones.
 */
export function analyzeSelection(selection: readonly FigmaSceneNode[]): SelectionAnalysis {
  if (selection.length === 0) return bad('nothing-selected', `Nothing is selected. ${HOW}`);

  const images = selection.filter(hasImageFill);
  let source: FigmaSceneNode;
  let kind: 'image' | 'rendered';
  if (images.length > 1) {
    return bad(
      'several-images',
      `${images.length} images are selected (${images.slice(0, 3).map((n) => `“${n.name}”`).join(', ')}${images.length > 3 ? ', …' : ''}). Stipple edits one image at a time: select just one, and optionally a shape over it as the mask.`,
    );
  } else if (images.length === 1) {
    source = images[0]!;
    kind = 'image';
  } else {
    const rendered = selection.filter((n) => RENDERED_TYPES.has(n.type));
    const masksOnly = selection.filter((n) => !RENDERED_TYPES.has(n.type));
    // A group of shapes next to a frame is the mask, not a second image.
    const containers = rendered.length > 1 ? rendered.filter((n) => n.type !== 'GROUP') : rendered;
    if (containers.length > 1) {
      return bad(
        'several-images',
        `${containers.length} frames or components are selected. Stipple edits one at a time: select just one, and optionally a shape over it as the mask.`,
      );
    }
    if (containers.length === 0) {
      const first = masksOnly[0] ?? selection[0]!;
      return bad(
        'not-an-image',
        selection.length === 1
          ? `${describe(first)} is not an image. Select a layer with an image fill, or a frame to edit as rendered; shapes are used as masks over an image.`
          : `None of the selected layers is an image. ${HOW}`,
      );
    }
    source = containers[0]!;
    kind = 'rendered';
  }

  if (!source.visible) return bad('hidden', `${describe(source)} is hidden. Show it, then try again.`);
  if (!(source.width > 0 && source.height > 0) || !source.absoluteBoundingBox) {
    return bad('empty', `${describe(source)} has no area to edit.`);
  }
  if (typeof source.exportAsync !== 'function') return bad('not-exportable', `${describe(source)} cannot be exported, so Stipple cannot read it.`);

  const masks = selection.filter((n) => n !== source);
  if (masks.length > MAX_MASK_LAYERS) {
    return bad('too-many-masks', `${masks.length} mask layers are selected; at most ${MAX_MASK_LAYERS} are used. Group or flatten the mask first.`);
  }
  const box = source.absoluteBoundingBox;
  for (const m of masks) {
    if (!MASK_TYPES.has(m.type) || hasImageFill(m)) {
      return bad('unsupported-mask', `${describe(m)} cannot be a mask. Draw the mask with a shape, a vector or the pencil over the image.`);
    }
    if (!m.visible) return bad('hidden', `The mask ${describe(m)} is hidden. Show it, then try again.`);
    if (typeof m.exportAsync !== 'function') return bad('not-exportable', `The mask ${describe(m)} cannot be exported.`);
    if (isDescendant(m, source)) {
      return bad(
        'mask-inside-source',
        `The mask “${m.name}” is inside “${source.name}”, so it would be painted into the image. Move it out (keep it on top of the image) and try again.`,
      );
    }
    const drawn = drawnBox(m);
    if (!drawn || !intersection(drawn, box)) {
      return bad('mask-outside', `The mask “${m.name}” does not overlap the image “${source.name}”. Draw it over the area to change.`);
    }
  }
  return { ok: true, source, kind, masks, operations: [...(masks.length > 0 ? ALL_OPERATIONS : WHOLE_IMAGE_OPERATIONS)] };
}

/** The analysis as the panel sees it (ids and names, no nodes). */
export function summarize(a: SelectionAnalysis): SelectionSummary {
  if (!a.ok) return { ok: false, problem: a.problem, message: a.message };
  return {
    ok: true,
    source: { id: a.source.id, name: a.source.name, width: a.source.width, height: a.source.height, kind: a.kind },
    masks: a.masks.map((m) => ({ id: m.id, name: m.name })),
    operations: a.operations,
  };
}
