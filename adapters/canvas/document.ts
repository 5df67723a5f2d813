/**
 * The state behind the canvas host, with no DOM: the original image, the
 * result layers applied over it, the mask being painted, the pending results
 * of the last edit (variants, before/after), and the undo history.
 *
 * Results never overwrite the original: an applied result is a layer on the
 * stack, and applying one is undoable like every mask change.
 */
import type { EditMeta, EditWarning } from '../../core/editor';
import { assertMask, assertRgba, InvalidInputError, resizeMask, type Mask, type Rect, type RgbaImage } from '../../core/image';
import type { Operation } from '../../core/pipelines/request';
import { Emitter } from './events';
import { History, type Command, type HistoryOptions } from './history';
import {
  diffPatch,
  fillMask,
  fillRect,
  fullRect,
  invertInPlace,
  rectFromPoints,
  strokeSegment,
  unionRect,
  writeRegion,
  type BrushOptions,
  type MaskPatch,
  type PaintMode,
  type Point,
} from './mask-paint';

/** An applied result: one layer of the stack above the original. */
export interface ResultLayer {
  readonly id: number;
  /** The whole image as it looks with this layer on top (results are full-size composites). */
  readonly image: RgbaImage;
  readonly label: string;
  readonly meta?: EditMeta;
}

/** The images of one edit, not yet applied: shown as a layer above the document. */
export interface ResultSet {
  /** One image per variant, each the document's size. */
  readonly images: readonly RgbaImage[];
  /** The image the edit ran on. */
  readonly base: RgbaImage;
  readonly operation?: Operation;
  readonly meta?: EditMeta;
  readonly warnings: readonly EditWarning[];
}

/** `after` shows the selected result over the document; `before` hides it. */
export type ViewMode = 'after' | 'before';

export type ChangeKind = 'image' | 'mask' | 'layers' | 'results' | 'view' | 'history';

export interface DocumentChange {
  kinds: readonly ChangeKind[];
  /** For mask changes: the rectangle of pixels that changed. */
  rect?: Rect;
}

export interface CanvasDocumentEvents {
  change: DocumentChange;
}

export interface CanvasDocumentOptions {
  history?: HistoryOptions;
}

interface Stroke {
  mode: PaintMode;
  brush: BrushOptions;
  before: Float32Array;
  rect: Rect | null;
  last: Point;
}

export class CanvasDocument {
  /** The image the document was opened with; never modified. */
  readonly original: RgbaImage;
  /** The live mask (coverage in [0, 1]); change it through the methods so changes are undoable. */
  readonly mask: Mask;
  readonly history: History;
  readonly #events = new Emitter<CanvasDocumentEvents>();
  #layers: ResultLayer[] = [];
  #results: ResultSet | null = null;
  #selected = 0;
  #view: ViewMode = 'after';
  #stroke: Stroke | null = null;
  #nextId = 1;

  constructor(original: RgbaImage, options: CanvasDocumentOptions = {}) {
    assertRgba(original);
    this.original = { width: original.width, height: original.height, data: new Uint8ClampedArray(original.data) };
    this.mask = { width: original.width, height: original.height, data: new Float32Array(original.width * original.height) };
    this.history = new History(options.history);
  }

  get width(): number {
    return this.original.width;
  }

  get height(): number {
    return this.original.height;
  }

  on<K extends keyof CanvasDocumentEvents>(type: K, listener: (e: CanvasDocumentEvents[K]) => void): () => void {
    return this.#events.on(type, listener);
  }

  /** The applied result layers, bottom first. */
  get layers(): readonly ResultLayer[] {
    return this.#layers;
  }

  /** The document's image: the top layer, or the original when none is applied. Do not modify it. */
  get image(): RgbaImage {
    return this.#layers.at(-1)?.image ?? this.original;
  }

  /** The pending results of the last edit, or null. */
  get results(): ResultSet | null {
    return this.#results;
  }

  /** Index of the selected variant in {@link results}. */
  get selected(): number {
    return this.#selected;
  }

  get view(): ViewMode {
    return this.#view;
  }

  /** What the canvas shows: the selected result in the `after` view, else the document's image. */
  get displayed(): RgbaImage {
    if (this.#results && this.#view === 'after') return this.#results.images[this.#selected] ?? this.image;
    return this.image;
  }

  // ---- mask -------------------------------------------------------------

  /** True between {@link beginStroke} and {@link endStroke}. */
  get stroking(): boolean {
    return this.#stroke !== null;
  }

  /** Starts a brush (`paint`) or eraser (`erase`) stroke with a dab at `at`. */
  beginStroke(mode: PaintMode, brush: BrushOptions, at: Point): void {
    if (this.#stroke) this.endStroke();
    this.#stroke = { mode, brush: { ...brush }, before: new Float32Array(this.mask.data), rect: null, last: at };
    this.#paint(strokeSegment(this.mask, at, at, brush, mode));
  }

  /** Continues the stroke in a straight line to `to`. */
  strokeTo(to: Point): void {
    const s = this.#stroke;
    if (!s) return;
    this.#paint(strokeSegment(this.mask, s.last, to, s.brush, s.mode));
    s.last = to;
  }

  /** Ends the stroke and records it as one undoable change. */
  endStroke(): void {
    const s = this.#stroke;
    if (!s) return;
    this.#stroke = null;
    const patch = diffPatch(this.mask, s.before, s.rect);
    if (patch) this.#record(patch, s.mode === 'paint' ? 'Brush stroke' : 'Eraser stroke');
  }

  /** Abandons the stroke and puts the mask back as it was before it. */
  cancelStroke(): void {
    const s = this.#stroke;
    if (!s) return;
    this.#stroke = null;
    if (s.rect) {
      this.mask.data.set(s.before);
      this.#emit(['mask'], s.rect);
    }
  }

  /** Paints (or erases) the rectangle dragged from `a` to `b`. Returns false when it covers no pixel. */
  paintRect(a: Point, b: Point, mode: PaintMode = 'paint'): boolean {
    const rect = rectFromPoints(a, b, this.mask);
    if (!rect) return false;
    return this.#wholeChange(mode === 'paint' ? 'Rectangle' : 'Erase rectangle', rect, () => fillRect(this.mask, rect, mode));
  }

  /** Clears the mask (keep everything). */
  clearMask(): boolean {
    return this.#wholeChange('Clear mask', fullRect(this.mask), () => fillMask(this.mask, 0));
  }

  /** Selects the whole image. */
  fillMask(): boolean {
    return this.#wholeChange('Select all', fullRect(this.mask), () => fillMask(this.mask, 1));
  }

  /** Swaps masked and unmasked areas. */
  invertMask(): boolean {
    return this.#wholeChange('Invert mask', fullRect(this.mask), () => invertInPlace(this.mask));
  }

  /**
   * Replaces the mask, undoably. A mask of another size is resized
   * (bilinear) to the document; values are clamped to [0, 1].
   */
  setMask(mask: Mask, label = 'Set mask'): boolean {
    assertMask(mask);
    const m = mask.width === this.width && mask.height === this.height ? mask : resizeMask(mask, this.width, this.height, 'bilinear');
    return this.#wholeChange(label, fullRect(this.mask), () => {
      const d = this.mask.data;
      for (let i = 0; i < d.length; i++) {
        const v = m.data[i]!;
        d[i] = v > 0 ? (v < 1 ? v : 1) : 0;
      }
      return fullRect(this.mask);
    });
  }

  // ---- results ----------------------------------------------------------

  /**
   * Shows the images of an edit as pending results (variants), in the
   * `after` view. Not an undoable change: nothing is applied yet.
   */
  setResults(results: { images: readonly RgbaImage[]; base?: RgbaImage; operation?: Operation; meta?: EditMeta; warnings?: readonly EditWarning[] }, selected = 0): void {
    if (results.images.length === 0) throw new InvalidInputError('An edit result holds no image.');
    for (const img of results.images) {
      assertRgba(img, 'A result image');
      if (img.width !== this.width || img.height !== this.height) {
        throw new InvalidInputError(`A result image is ${img.width}x${img.height} but the document is ${this.width}x${this.height}.`);
      }
    }
    this.#results = {
      images: [...results.images],
      base: results.base ?? this.image,
      ...(results.operation !== undefined && { operation: results.operation }),
      ...(results.meta !== undefined && { meta: results.meta }),
      warnings: [...(results.warnings ?? [])],
    };
    this.#selected = clampIndex(selected, results.images.length);
    this.#view = 'after';
    this.#emit(['results', 'view']);
  }

  /** Picks the variant shown (and applied by default). */
  selectVariant(index: number): void {
    if (!this.#results) return;
    const i = clampIndex(index, this.#results.images.length);
    if (i === this.#selected && this.#view === 'after') return;
    this.#selected = i;
    this.#view = 'after';
    this.#emit(['results', 'view']);
  }

  setView(view: ViewMode): void {
    if (view === this.#view) return;
    this.#view = view;
    this.#emit(['view']);
  }

  toggleView(): ViewMode {
    this.setView(this.#view === 'after' ? 'before' : 'after');
    return this.#view;
  }

  /** Drops the pending results without applying any. */
  discardResults(): void {
    if (!this.#results) return;
    this.#results = null;
    this.#selected = 0;
    this.#view = 'after';
    this.#emit(['results', 'view']);
  }

  /**
   * Applies a pending variant (default: the selected one) as a new layer.
   * Undoing it removes the layer and brings the pending results back.
   */
  applyResult(index = this.#selected, label?: string): ResultLayer {
    const results = this.#results;
    if (!results) throw new InvalidInputError('There is no result to apply: run an edit first.');
    const i = clampIndex(index, results.images.length);
    const layer: ResultLayer = {
      id: this.#nextId++,
      image: results.images[i]!,
      label: label ?? describeResult(results, i),
      ...(results.meta !== undefined && { meta: results.meta }),
    };
    const prior = { results, selected: this.#selected, view: this.#view };
    const apply = (): void => {
      this.#layers.push(layer);
      this.#results = null;
      this.#selected = 0;
      this.#view = 'after';
    };
    apply();
    this.history.push({
      label: `Apply ${layer.label}`,
      bytes: layer.image.data.byteLength,
      undo: () => {
        this.#layers.splice(this.#layers.lastIndexOf(layer), 1);
        this.#results = prior.results;
        this.#selected = prior.selected;
        this.#view = prior.view;
      },
      redo: apply,
    });
    this.#emit(['layers', 'results', 'view', 'history']);
    return layer;
  }

  // ---- history ----------------------------------------------------------

  get canUndo(): boolean {
    return this.history.canUndo && !this.#stroke;
  }

  get canRedo(): boolean {
    return this.history.canRedo && !this.#stroke;
  }

  /** Undoes the latest change; false when there is none. An open stroke is ended first. */
  undo(): boolean {
    this.endStroke();
    const c = this.history.undo();
    if (c) this.#emit(kindsOf(c), rectOf(c));
    return c !== undefined;
  }

  redo(): boolean {
    this.endStroke();
    const c = this.history.redo();
    if (c) this.#emit(kindsOf(c), rectOf(c));
    return c !== undefined;
  }

  // ---- internals --------------------------------------------------------

  #paint(rect: Rect | null): void {
    if (!rect || !this.#stroke) return;
    this.#stroke.rect = unionRect(this.#stroke.rect, rect);
    this.#emit(['mask'], rect);
  }

  #wholeChange(label: string, rect: Rect, change: () => Rect | null): boolean {
    this.endStroke();
    const before = new Float32Array(this.mask.data);
    change();
    const patch = diffPatch(this.mask, before, rect);
    if (!patch) return false;
    this.#record(patch, label);
    this.#emit(['mask'], patch.rect);
    return true;
  }

  #record(patch: MaskPatch, label: string): void {
    const command: MaskCommand = {
      label,
      patch,
      bytes: patch.before.byteLength + patch.after.byteLength,
      undo: () => writeRegion(this.mask, patch.rect, patch.before),
      redo: () => writeRegion(this.mask, patch.rect, patch.after),
    };
    this.history.push(command);
    this.#emit(['history']);
  }

  #emit(kinds: readonly ChangeKind[], rect?: Rect): void {
    this.#events.emit('change', rect ? { kinds, rect } : { kinds });
  }
}

interface MaskCommand extends Command {
  readonly patch: MaskPatch;
}

function kindsOf(c: Command): ChangeKind[] {
  return 'patch' in c ? ['mask', 'history'] : ['layers', 'results', 'view', 'history'];
}

function rectOf(c: Command): Rect | undefined {
  return 'patch' in c ? (c as MaskCommand).patch.rect : undefined;
}

function clampIndex(i: number, n: number): number {
  return Number.isInteger(i) && i >= 0 && i < n ? i : Math.max(0, Math.min(n - 1, Math.floor(Number(i) || 0)));
}

function describeResult(results: ResultSet, index: number): string {
  const op = results.operation ?? results.meta?.operation ?? 'edit';
  return results.images.length > 1 ? `${op} (variant ${index + 1})` : op;
}
