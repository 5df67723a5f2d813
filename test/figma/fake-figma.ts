/**
 * A fake of Figma's Plugin API for running Stipple's main code in Node.
 *
 * It implements exactly the surface the main code uses ({@link FigmaApi},
 * whose member types come from @figma/plugin-typings), and is as strict as
 * Figma where it matters:
 * - `documentAccess: "dynamic-page"`: the sync `getNodeById` throws, other
 *   pages must be loaded first, removed nodes throw on access;
 * - `exportAsync` renders the node as seen (fills, images with their scale
 *   mode and crop, rotation, opacity, strokes, children, clipping) into a real
 *   PNG of the box's size x scale, and refuses more than 4096 px a side;
 * - `createImage` takes real PNG bytes of at most 4096 px a side;
 * - unit-axis `relativeTransform`, `resize` >= 0.01, no children inserted into
 *   instances, `layoutPositioning` only in auto layout, translation ignored
 *   for auto-layout children, selection only of nodes on the page;
 * - `documentchange` listeners only after `loadAllPagesAsync()` (dynamic-page),
 *   delivered in batches, never synchronously; the designer's edits
 *   ({@link FakeFigma.designerEdit}, {@link FakeFigma.designerDraw}) are reported;
 * - every document change is journaled: `commitUndo` closes an undo step,
 *   `triggerUndo` reverts one, and {@link FakeFigma.snapshot} captures the
 *   whole document for before/after comparisons;
 * - `ui.postMessage` and the panel's messages are structured-cloned and
 *   delivered asynchronously, with `props.origin` and the `origin` option
 *   honoured, through {@link FakeFigma.panelWindow}, a stand-in for the
 *   panel's `window` (Figma's frame as its `parent`).
 *
 * Simplifications: groups take the box of their children; auto layout does
 * not move children; only PNG images; strokes only on vectors (pencil); the
 * plugin's own changes are not reported to `documentchange`.
 */
import { createHash } from 'node:crypto';
import { PNG } from 'pngjs';
import type {
  MessageEventHandler,
  NotificationHandler,
  NotificationOptions,
  ShowUIOptions,
  UIPostMessageOptions,
} from '@figma/plugin-typings/plugin-api-standalone';
import type {
  ExportSettingsImage,
  FigmaApi,
  FigmaBaseNode,
  FigmaDocumentChange,
  FigmaDocumentChangeEvent,
  FigmaPageNode,
  FigmaParentNode,
  FigmaRectangleNode,
  FigmaSceneNode,
  FigmaUiApi,
  Image,
  Paint,
  Rect,
  Transform,
} from '../../adapters/figma/api';
import { apply, invert, multiply, transformedBounds } from '../../adapters/figma/geometry';
import type { BridgeWindow } from '../../adapters/figma/panel-bridge';
import type { RgbaImage } from '../../core/image';

export const FIGMA_ORIGIN = 'https://www.figma.com';
const MAX_SIDE = 4096;

/** Errors the fake throws where Figma would. */
export class FakeFigmaError extends Error {
  override name = 'FakeFigmaError';
}

interface Change {
  what: string;
  undo(): void;
}

type Rgb = { r: number; g: number; b: number };

/** A serializable picture of a node and its subtree. */
export interface NodeSnapshot {
  id: string;
  type: string;
  name: string;
  visible?: boolean;
  relativeTransform?: Transform;
  width?: number;
  height?: number;
  fills?: unknown;
  layoutPositioning?: string;
  children?: NodeSnapshot[];
}

const CONTAINER_TYPES = new Set(['FRAME', 'GROUP', 'COMPONENT', 'COMPONENT_SET', 'INSTANCE', 'SECTION', 'BOOLEAN_OPERATION']);

function copyTransform(t: Transform): Transform {
  return [[t[0][0], t[0][1], t[0][2]], [t[1][0], t[1][1], t[1][2]]];
}

function translation(x: number, y: number, rotationDeg = 0): Transform {
  const r = (rotationDeg * Math.PI) / 180;
  // Figma's rotation is counter-clockwise on screen (y down): rotation = atan2(-m10, m00).
  const c = Math.cos(r);
  const s = Math.sin(r);
  return [
    [c, s, x],
    [-s, c, y],
  ];
}

function union(a: Rect | null, b: Rect | null): Rect | null {
  if (!a) return b;
  if (!b) return a;
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, width: Math.max(a.x + a.width, b.x + b.width) - x, height: Math.max(a.y + a.height, b.y + b.height) - y };
}

// ---- nodes ----------------------------------------------------------------

abstract class FakeNodeBase implements FigmaBaseNode {
  readonly id: string;
  readonly type: string;
  #name: string;
  _parent: FakeContainer | null = null;
  _removed = false;

  constructor(
    readonly figma: FakeFigma,
    type: string,
    name: string,
  ) {
    this.id = figma._nextId();
    this.type = type;
    this.#name = name;
    figma._register(this);
  }

  protected alive(): void {
    if (this._removed) throw new FakeFigmaError(`The node (${this.id}) does not exist`);
  }

  get removed(): boolean {
    return this._removed;
  }

  get name(): string {
    this.alive();
    return this.#name;
  }

  set name(v: string) {
    this.alive();
    if (typeof v !== 'string') throw new FakeFigmaError('name must be a string');
    const old = this.#name;
    this.#name = v;
    this.figma._record(`name of ${this.id}`, () => (this.#name = old));
  }

  get parent(): FakeContainer | null {
    this.alive();
    return this._parent;
  }

  /** The page the node is on (null for the document and pages themselves, or detached nodes). */
  get page(): FakePage | null {
    for (let p = this._parent; p; p = p._parent) if (p instanceof FakePage) return p;
    return null;
  }

  abstract snapshot(): NodeSnapshot;
}

/** A node with children (the document, pages, frames, groups, instances...). */
export type FakeContainer = FakeDocument | FakePage | FakeFrameNode;

function insertInto(container: FakeContainer, index: number, child: FigmaBaseNode): void {
  if (!(child instanceof FakeSceneNode) || child.figma !== container.figma) throw new FakeFigmaError('insertChild: not a node of this document');
  if (child.removed) throw new FakeFigmaError(`The node (${child.id}) does not exist`);
  for (let p: FakeContainer | null = container; p; p = p._parent) {
    if (p === (child as unknown)) throw new FakeFigmaError('insertChild: a node cannot be inserted into itself or its children');
    if (p.type === 'INSTANCE') throw new FakeFigmaError('Cannot move node. New parent is an instance or is inside of an instance');
  }
  if (container.type === 'BOOLEAN_OPERATION' && !(child instanceof FakeShapeNode || child instanceof FakeVectorNode)) {
    throw new FakeFigmaError('insertChild: boolean operations take shapes only');
  }
  const kids = container._children;
  const oldParent = child._parent;
  const oldIndex = oldParent ? oldParent._children.indexOf(child) : -1;
  let at = index;
  if (oldParent === container && oldIndex < index) at--;
  if (!Number.isInteger(index) || at < 0 || at > kids.length - (oldParent === container ? 1 : 0)) {
    throw new FakeFigmaError(`insertChild: index ${index} is out of range`);
  }
  if (oldParent) oldParent._children.splice(oldIndex, 1);
  kids.splice(at, 0, child);
  child._parent = container;
  container.figma._record(`move ${child.id} into ${container.id}`, () => {
    kids.splice(kids.indexOf(child), 1);
    child._parent = oldParent;
    if (oldParent) oldParent._children.splice(oldIndex, 0, child);
  });
}

export class FakeDocument extends FakeNodeBase implements FigmaParentNode {
  readonly _children: FakeSceneNode[] = [];
  readonly pages: FakePage[] = [];
  constructor(figma: FakeFigma) {
    super(figma, 'DOCUMENT', 'Document');
  }
  get children(): ReadonlyArray<FakeSceneNode> {
    return [];
  }
  insertChild(): void {
    throw new FakeFigmaError('insertChild: pages are not scene nodes');
  }
  snapshot(): NodeSnapshot {
    return { id: this.id, type: this.type, name: this.name, children: this.pages.map((p) => p.snapshot()) };
  }
}

export class FakePage extends FakeNodeBase implements FigmaPageNode {
  readonly _children: FakeSceneNode[] = [];
  _loaded: boolean;
  #selection: FakeSceneNode[] = [];

  constructor(figma: FakeFigma, name: string, doc: FakeDocument, loaded: boolean) {
    super(figma, 'PAGE', name);
    this._parent = doc;
    doc.pages.push(this);
    this._loaded = loaded;
  }

  get children(): ReadonlyArray<FakeSceneNode> {
    this.alive();
    // dynamic-page: a page other than the current one must be loaded first.
    if (!this._loaded) throw new FakeFigmaError('Cannot access children on a page that has not been explored. Call loadAsync() to access this node.');
    return [...this._children];
  }

  async loadAsync(): Promise<void> {
    await tick();
    this._loaded = true;
  }

  insertChild(index: number, child: FigmaBaseNode): void {
    this.alive();
    insertInto(this, index, child);
  }

  appendChild(child: FigmaBaseNode): void {
    this.insertChild(this._children.length, child);
  }

  get selection(): ReadonlyArray<FakeSceneNode> {
    this.alive();
    return this.#selection.filter((n) => !n.removed);
  }

  set selection(nodes: ReadonlyArray<FigmaSceneNode>) {
    this.alive();
    const list = [...nodes];
    for (const n of list) {
      if (!(n instanceof FakeSceneNode) || n.removed || n.page !== this) {
        throw new FakeFigmaError('Cannot set selection: every node must be on this page');
      }
    }
    this.#selection = list as FakeSceneNode[];
    // Selection is not a document change (not undoable), but Figma reports it.
    this.figma._selectionChanged();
  }

  snapshot(): NodeSnapshot {
    return { id: this.id, type: this.type, name: this.name, children: this._children.map((c) => c.snapshot()) };
  }
}

/** Pixel-level description of a node for the renderer. */
interface Coverage {
  /** True when the local point (x, y) is inside what the node draws with its fills. */
  inFill(x: number, y: number): boolean;
  /** True when the local point is on the node's stroke. */
  inStroke(x: number, y: number): boolean;
}

export abstract class FakeSceneNode extends FakeNodeBase implements FigmaSceneNode {
  #visible = true;
  #width: number;
  #height: number;
  #relative: Transform;
  #fills: ReadonlyArray<Paint> = [];
  #layoutPositioning: 'AUTO' | 'ABSOLUTE' = 'AUTO';
  opacity = 1;

  constructor(figma: FakeFigma, type: string, name: string, width: number, height: number, relative: Transform) {
    super(figma, type, name);
    this.#width = width;
    this.#height = height;
    this.#relative = copyTransform(relative);
  }

  get visible(): boolean {
    this.alive();
    return this.#visible;
  }

  set visible(v: boolean) {
    this.alive();
    const old = this.#visible;
    this.#visible = v;
    this.figma._record(`visible of ${this.id}`, () => (this.#visible = old));
  }

  get width(): number {
    this.alive();
    return this.#width;
  }

  get height(): number {
    this.alive();
    return this.#height;
  }

  get relativeTransform(): Transform {
    this.alive();
    return copyTransform(this.#relative);
  }

  set relativeTransform(t: Transform) {
    this.alive();
    const [[a, c, tx], [b, d, ty]] = t;
    if (![a, b, c, d, tx, ty].every(Number.isFinite)) throw new FakeFigmaError('relativeTransform: not a finite transform');
    if (Math.abs(Math.hypot(a, b) - 1) > 1e-6 || Math.abs(Math.hypot(c, d) - 1) > 1e-6) {
      throw new FakeFigmaError('relativeTransform: the transform must have unit axes (use resize() for the size)');
    }
    const old = this.#relative;
    let next = copyTransform(t);
    const parent = this._parent;
    if (parent && 'layoutMode' in parent && parent.layoutMode !== undefined && parent.layoutMode !== 'NONE' && this.#layoutPositioning === 'AUTO') {
      // Auto layout owns the position of its children: the translation is ignored.
      next = [
        [next[0][0], next[0][1], old[0][2]],
        [next[1][0], next[1][1], old[1][2]],
      ];
    }
    this.#relative = next;
    this.figma._record(`relativeTransform of ${this.id}`, () => (this.#relative = old));
  }

  /** Position, rotation and flips on the page: the container's (frames, not groups) times the relative transform. */
  get absoluteTransform(): Transform {
    this.alive();
    return multiply(containerTransformOf(this) ?? IDENTITY_T, this.#relative);
  }

  get rotation(): number {
    const t = this.relativeTransform;
    return (Math.atan2(-t[1][0], t[0][0]) * 180) / Math.PI;
  }

  get absoluteBoundingBox(): Rect | null {
    this.alive();
    return transformedBounds(this.absoluteTransform, this.#width, this.#height);
  }

  get absoluteRenderBounds(): Rect | null {
    this.alive();
    if (!this.#visible) return null;
    return this.renderBounds();
  }

  protected renderBounds(): Rect | null {
    return this.absoluteBoundingBox;
  }

  get fills(): ReadonlyArray<Paint> {
    this.alive();
    return this.#fills.map((f) => structuredClone(f));
  }

  set fills(v: ReadonlyArray<Paint> | symbol) {
    this.alive();
    if (typeof v === 'symbol' || !Array.isArray(v)) throw new FakeFigmaError('fills: expected an array of paints');
    for (const p of v as Paint[]) {
      if (p.type === 'IMAGE' && (p.imageHash === null || !this.figma._images.has(p.imageHash))) {
        throw new FakeFigmaError(`fills: no image with hash ${String(p.imageHash)} (create it with figma.createImage first)`);
      }
    }
    const old = this.#fills;
    this.#fills = (v as Paint[]).map((f) => structuredClone(f));
    this.figma._record(`fills of ${this.id}`, () => (this.#fills = old));
  }

  get layoutPositioning(): 'AUTO' | 'ABSOLUTE' {
    this.alive();
    return this.#layoutPositioning;
  }

  set layoutPositioning(v: 'AUTO' | 'ABSOLUTE') {
    this.alive();
    const p = this._parent;
    if (v === 'ABSOLUTE' && !(p && 'layoutMode' in p && p.layoutMode !== undefined && p.layoutMode !== 'NONE')) {
      throw new FakeFigmaError('layoutPositioning can only be set to ABSOLUTE on children of auto-layout frames');
    }
    const old = this.#layoutPositioning;
    this.#layoutPositioning = v;
    this.figma._record(`layoutPositioning of ${this.id}`, () => (this.#layoutPositioning = old));
  }

  resize(width: number, height: number): void {
    this.alive();
    if (!(width >= 0.01 && height >= 0.01)) throw new FakeFigmaError('resize: width and height must be at least 0.01');
    const [ow, oh] = [this.#width, this.#height];
    this.#width = width;
    this.#height = height;
    this.figma._record(`size of ${this.id}`, () => {
      this.#width = ow;
      this.#height = oh;
    });
  }

  remove(): void {
    this.alive();
    const parent = this._parent;
    const index = parent ? parent._children.indexOf(this) : -1;
    if (parent) parent._children.splice(index, 1);
    this._parent = null;
    this._removed = true;
    this.figma._record(`remove ${this.id}`, () => {
      this._removed = false;
      this._parent = parent;
      if (parent) parent._children.splice(index, 0, this);
    });
  }

  /** Renders like Figma's export: PNG of the node's box (geometry with `useAbsoluteBounds`, else what is drawn) at the scale. */
  async exportAsync(settings: ExportSettingsImage = { format: 'PNG' }): Promise<Uint8Array> {
    this.alive();
    await tick();
    this.alive();
    if (settings.format !== 'PNG') throw new FakeFigmaError(`The fake exports PNG only (asked for ${settings.format})`);
    const box = settings.useAbsoluteBounds ? this.absoluteBoundingBox : this.absoluteRenderBounds;
    if (!box || box.width <= 0 || box.height <= 0) throw new FakeFigmaError('exportAsync: the node has nothing to export');
    const c = settings.constraint ?? { type: 'SCALE', value: 1 };
    if (!(c.value > 0)) throw new FakeFigmaError('exportAsync: the constraint value must be positive');
    const scale = c.type === 'SCALE' ? c.value : c.type === 'WIDTH' ? c.value / box.width : c.value / box.height;
    const w = Math.max(1, Math.round(box.width * scale));
    const h = Math.max(1, Math.round(box.height * scale));
    if (w > MAX_SIDE || h > MAX_SIDE) {
      throw new FakeFigmaError(`exportAsync: ${w}x${h} px is over the ${MAX_SIDE} px limit`);
    }
    this.figma.exports.push({ nodeId: this.id, width: w, height: h, settings: structuredClone(settings) });
    const img = this.figma._render(this, box, w, h);
    return encodePng(img);
  }

  /** Draws this node (and its children) into `buf` (premultiplied floats), `px2abs` mapping pixel centres to the page. */
  _draw(buf: Float32Array, w: number, h: number, toPage: (i: number, j: number) => [number, number], alpha: number, clip: ((x: number, y: number) => boolean) | null): void {
    if (!this.#visible) return;
    const a = alpha * this.opacity;
    const inv = invert(this.absoluteTransform);
    const cov = this.coverage();
    const fills = this.#fills.filter((f) => f.visible !== false);
    const strokes = this.strokePaints();
    for (let j = 0; j < h; j++) {
      for (let i = 0; i < w; i++) {
        const [px, py] = toPage(i, j);
        if (clip && !clip(px, py)) continue;
        const [x, y] = apply(inv, px, py);
        if (fills.length > 0 && cov.inFill(x, y)) {
          for (const f of fills) over(buf, (j * w + i) * 4, this.figma._paintColor(f, x, y, this.#width, this.#height), a);
        }
        if (strokes.length > 0 && cov.inStroke(x, y)) {
          for (const s of strokes) over(buf, (j * w + i) * 4, this.figma._paintColor(s, x, y, this.#width, this.#height), a);
        }
      }
    }
  }

  protected abstract coverage(): Coverage;

  protected strokePaints(): Paint[] {
    return [];
  }

  /** Test set-up (not a plugin change): moves and sizes the node without the journal. */
  _place(relative: Transform, width: number, height: number): void {
    this.#relative = copyTransform(relative);
    this.#width = width;
    this.#height = height;
  }

  _setFills(fills: Paint[]): void {
    this.#fills = fills.map((f) => structuredClone(f));
  }

  _setVisible(v: boolean): void {
    this.#visible = v;
  }

  snapshot(): NodeSnapshot {
    return {
      id: this.id,
      type: this.type,
      name: this.name,
      visible: this.#visible,
      relativeTransform: this.relativeTransform,
      width: this.#width,
      height: this.#height,
      fills: this.fills,
      layoutPositioning: this.#layoutPositioning,
    };
  }
}

const IDENTITY_T: Transform = [
  [1, 0, 0],
  [0, 1, 0],
];

/** The page transform of the frame a node is positioned in (groups and boolean operations skipped); null on the page. */
function containerTransformOf(node: FakeNodeBase): Transform | null {
  for (let p = node._parent; p; p = p._parent) {
    if (p.type === 'GROUP' || p.type === 'BOOLEAN_OPERATION') continue;
    if (p instanceof FakeFrameNode) return p.absoluteTransform;
    return null;
  }
  return null;
}

/** Rectangles and ellipses. */
export class FakeShapeNode extends FakeSceneNode implements FigmaRectangleNode {
  protected coverage(): Coverage {
    const w = this.width;
    const h = this.height;
    if (this.type === 'ELLIPSE') {
      return {
        inFill: (x, y) => ((x - w / 2) / (w / 2)) ** 2 + ((y - h / 2) / (h / 2)) ** 2 <= 1,
        inStroke: () => false,
      };
    }
    return { inFill: (x, y) => x >= 0 && y >= 0 && x < w && y < h, inStroke: () => false };
  }
}

/** A vector: a closed polygon (filled) or an open polyline with a stroke (a pencil stroke). Points are local. */
export class FakeVectorNode extends FakeSceneNode {
  points: [number, number][];
  closed: boolean;
  strokeWeight: number;
  strokes: Paint[];

  constructor(figma: FakeFigma, name: string, points: [number, number][], closed: boolean, strokeWeight: number, strokes: Paint[], relative: Transform) {
    const xs = points.map((p) => p[0]);
    const ys = points.map((p) => p[1]);
    super(figma, 'VECTOR', name, Math.max(0.01, Math.max(...xs) - Math.min(...xs)), Math.max(0.01, Math.max(...ys) - Math.min(...ys)), relative);
    this.points = points;
    this.closed = closed;
    this.strokeWeight = strokeWeight;
    this.strokes = strokes;
  }

  protected override strokePaints(): Paint[] {
    return this.strokes;
  }

  protected override renderBounds(): Rect | null {
    const bb = this.absoluteBoundingBox;
    if (!bb || this.strokes.length === 0) return bb;
    const r = this.strokeWeight / 2;
    return { x: bb.x - r, y: bb.y - r, width: bb.width + 2 * r, height: bb.height + 2 * r };
  }

  protected coverage(): Coverage {
    const pts = this.points;
    const r = this.strokeWeight / 2;
    return {
      inFill: (x, y) => this.closed && pointInPolygon(pts, x, y),
      inStroke: (x, y) => {
        const n = this.closed ? pts.length : pts.length - 1;
        for (let k = 0; k < n; k++) {
          if (distToSegment(x, y, pts[k]!, pts[(k + 1) % pts.length]!) <= r) return true;
        }
        return false;
      },
    };
  }
}

/** Frames, groups, components, instances, sections and boolean operations. */
export class FakeFrameNode extends FakeSceneNode implements FigmaParentNode {
  readonly _children: FakeSceneNode[] = [];
  layoutMode: 'NONE' | 'HORIZONTAL' | 'VERTICAL' | 'GRID' = 'NONE';
  clipsContent: boolean;

  constructor(figma: FakeFigma, type: string, name: string, width: number, height: number, relative: Transform) {
    super(figma, type, name, width, height, relative);
    this.clipsContent = type === 'FRAME' || type === 'COMPONENT' || type === 'INSTANCE';
  }

  get children(): ReadonlyArray<FakeSceneNode> {
    this.alive();
    return [...this._children];
  }

  insertChild(index: number, child: FigmaBaseNode): void {
    this.alive();
    if (this.type === 'INSTANCE') throw new FakeFigmaError('Cannot move node. New parent is an instance or is inside of an instance');
    insertInto(this, index, child);
  }

  appendChild(child: FigmaBaseNode): void {
    this.insertChild(this._children.length, child);
  }

  /** Groups and boolean operations take the box of their children (in their container's space). */
  override get relativeTransform(): Transform {
    if (this.type === 'GROUP' || this.type === 'BOOLEAN_OPERATION') {
      const b = this.childBox();
      if (b) return [[1, 0, b.x], [0, 1, b.y]];
    }
    return super.relativeTransform;
  }

  override set relativeTransform(t: Transform) {
    super.relativeTransform = t;
  }

  override get width(): number {
    if (this.type === 'GROUP' || this.type === 'BOOLEAN_OPERATION') return this.childBox()?.width ?? super.width;
    return super.width;
  }

  override get height(): number {
    if (this.type === 'GROUP' || this.type === 'BOOLEAN_OPERATION') return this.childBox()?.height ?? super.height;
    return super.height;
  }

  override get absoluteTransform(): Transform {
    this.alive();
    return multiply(containerTransformOf(this) ?? IDENTITY_T, this.relativeTransform);
  }

  override get absoluteBoundingBox(): Rect | null {
    this.alive();
    return transformedBounds(this.absoluteTransform, this.width, this.height);
  }

  /** The children's box in the container's coordinates (groups are axis-aligned in the fake). */
  private childBox(): Rect | null {
    const container = containerTransformOf(this);
    const toContainer = container ? invert(container) : IDENTITY_T;
    let box: Rect | null = null;
    for (const c of this._children) {
      const abs = c.absoluteBoundingBox;
      if (!abs) continue;
      box = union(box, transformedBounds(multiply(toContainer, [[1, 0, abs.x], [0, 1, abs.y]]), abs.width, abs.height));
    }
    return box;
  }

  protected override renderBounds(): Rect | null {
    let box: Rect | null = this.fills.length > 0 ? this.absoluteBoundingBox : null;
    if (this.clipsContent && this.type !== 'GROUP') return this.absoluteBoundingBox;
    for (const c of this._children) box = union(box, c.absoluteRenderBounds);
    return box ?? this.absoluteBoundingBox;
  }

  protected coverage(): Coverage {
    const w = this.width;
    const h = this.height;
    return { inFill: (x, y) => x >= 0 && y >= 0 && x < w && y < h, inStroke: () => false };
  }

  override _draw(buf: Float32Array, w: number, h: number, toPage: (i: number, j: number) => [number, number], alpha: number, clip: ((x: number, y: number) => boolean) | null): void {
    if (!this.visible) return;
    if (this.type !== 'GROUP' && this.type !== 'BOOLEAN_OPERATION') super._draw(buf, w, h, toPage, alpha, clip);
    let childClip = clip;
    if (this.clipsContent) {
      const inv = invert(this.absoluteTransform);
      const fw = this.width;
      const fh = this.height;
      const inside = (x: number, y: number): boolean => {
        const [lx, ly] = apply(inv, x, y);
        return lx >= 0 && ly >= 0 && lx < fw && ly < fh;
      };
      childClip = clip ? (x, y) => clip(x, y) && inside(x, y) : inside;
    }
    for (const c of this._children) c._draw(buf, w, h, toPage, alpha * this.opacity, childClip);
  }

  override snapshot(): NodeSnapshot {
    return { ...super.snapshot(), children: this._children.map((c) => c.snapshot()) };
  }
}

// ---- images -----------------------------------------------------------

class FakeImage implements Image {
  constructor(
    readonly hash: string,
    readonly bytes: Uint8Array,
    readonly pixels: RgbaImage,
  ) {}
  async getBytesAsync(): Promise<Uint8Array> {
    await tick();
    return new Uint8Array(this.bytes);
  }
  async getSizeAsync(): Promise<{ width: number; height: number }> {
    await tick();
    return { width: this.pixels.width, height: this.pixels.height };
  }
}

// ---- the UI channel -------------------------------------------------------

interface PanelWindow extends BridgeWindow {
  readonly origin: string;
}

class FakeUi implements FigmaUiApi {
  onmessage: MessageEventHandler | undefined = undefined;
  /** Every message the main code posted, as cloned, with its options. */
  readonly sent: { message: unknown; options: UIPostMessageOptions | undefined }[] = [];
  #panel: { origin: string; listeners: Set<(e: MessageEvent) => void>; parent: { postMessage(m: unknown, o: string): void } } | null = null;
  #relay: ((pluginMessage: unknown, targetOrigin: string) => void) | null = null;

  constructor(private readonly figma: FakeFigma) {}

  postMessage(pluginMessage: unknown, options?: UIPostMessageOptions): void {
    if (!this.figma.shownHtml) throw new FakeFigmaError('figma.ui.postMessage: call figma.showUI first');
    const clone = structuredClone(pluginMessage);
    this.sent.push({ message: clone, options });
    if (this.#relay) {
      // A real iframe elsewhere (a browser harness) gets it, and the browser checks the target origin.
      this.#relay(clone, options?.origin ?? '*');
      return;
    }
    const panel = this.#panel;
    // Figma hands the message to the iframe only when its origin matches the `origin` option.
    const target = options?.origin ?? '*';
    if (!panel || (target !== '*' && target !== panel.origin)) return;
    setTimeout(() => {
      const event = { data: { pluginMessage: clone, pluginId: 'fake-plugin' }, origin: FIGMA_ORIGIN, source: panel.parent } as unknown as MessageEvent;
      for (const l of [...panel.listeners]) l(event);
    }, 0);
  }

  /** A message from the UI iframe at `origin` (what Figma does with `parent.postMessage({ pluginMessage })`). */
  fromUi(pluginMessage: unknown, origin: string): void {
    const clone = structuredClone(pluginMessage);
    setTimeout(() => this.onmessage?.(clone, { origin }), 0);
  }

  /** The panel's `window`, as a page at `origin` inside Figma's plugin frame. */
  panelWindow(origin: string): PanelWindow {
    const listeners = new Set<(e: MessageEvent) => void>();
    const parent = {
      postMessage: (data: unknown, targetOrigin: string): void => {
        // The browser drops a message whose target origin is not the parent's.
        if (targetOrigin !== '*' && targetOrigin !== FIGMA_ORIGIN) return;
        const d = data as { pluginMessage?: unknown; pluginId?: unknown } | null;
        if (!d || typeof d !== 'object' || !('pluginMessage' in d)) return;
        this.fromUi(d.pluginMessage, origin);
      },
    };
    this.#panel = { origin, listeners, parent };
    return {
      origin,
      parent,
      addEventListener: (_type: 'message', l: (e: MessageEvent) => void) => listeners.add(l),
      removeEventListener: (_type: 'message', l: (e: MessageEvent) => void) => listeners.delete(l),
    };
  }

  /** Sends the main code's messages to a real iframe instead (a browser harness playing Figma's frame). */
  relayTo(send: (pluginMessage: unknown, targetOrigin: string) => void): void {
    this.#relay = send;
  }

  /** A message that reaches the panel's window from somewhere other than Figma (another frame, a popup). */
  strayToPanel(data: unknown, origin: string, source: unknown = {}): void {
    const panel = this.#panel;
    if (!panel) return;
    setTimeout(() => {
      const event = { data, origin, source } as unknown as MessageEvent;
      for (const l of [...panel.listeners]) l(event);
    }, 0);
  }
}

// ---- the API --------------------------------------------------------------

export interface ShapeOptions {
  name?: string;
  x?: number;
  y?: number;
  width: number;
  height: number;
  rotation?: number;
  parent?: FakeContainer;
  opacity?: number;
}

export class FakeFigma implements FigmaApi {
  readonly root: FakeDocument;
  readonly ui: FakeUi;
  readonly notifications: { message: string; options: NotificationOptions | undefined }[] = [];
  readonly exports: { nodeId: string; width: number; height: number; settings: ExportSettingsImage }[] = [];
  /** Committed undo steps, oldest first; each is the list of changes made in it. */
  readonly undoSteps: Change[][] = [];
  shownHtml: string | null = null;
  shownOptions: ShowUIOptions | undefined;
  readonly _images = new Map<string, FakeImage>();
  #pending: Change[] = [];
  #ids = 1;
  #nodes = new Map<string, FakeNodeBase>();
  #current: FakePage;
  #selectionListeners = new Set<() => void>();
  #documentListeners = new Set<(event: FigmaDocumentChangeEvent) => void>();
  #allPagesLoaded = false;
  #changeBatch: FigmaDocumentChange[] | null = null;
  #setup = 0;
  /** How often the plugin loaded every page (`loadAllPagesAsync`). */
  loadAllPagesCalls = 0;

  constructor() {
    this.#setup++;
    this.root = new FakeDocument(this);
    this.#current = new FakePage(this, 'Page 1', this.root, true);
    new FakePage(this, 'Page 2', this.root, false);
    this.#setup--;
    this.ui = new FakeUi(this);
  }

  get currentPage(): FakePage {
    return this.#current;
  }

  // -- the Plugin API surface -------------------------------------------------

  /** Figma under `documentAccess: "dynamic-page"` refuses the sync lookup. */
  getNodeById(_id: string): never {
    throw new FakeFigmaError('in getNodeById: Cannot call with documentAccess: dynamic-page. Use figma.getNodeByIdAsync instead.');
  }

  async getNodeByIdAsync(id: string): Promise<FigmaBaseNode | null> {
    await tick();
    const n = this.#nodes.get(id);
    return n && !n._removed ? n : null;
  }

  getImageByHash(hash: string): Image | null {
    return this._images.get(hash) ?? null;
  }

  createImage(data: Uint8Array): Image {
    if (!(data instanceof Uint8Array)) throw new FakeFigmaError('createImage: expected a Uint8Array');
    let pixels: RgbaImage;
    try {
      pixels = decodePng(data);
    } catch {
      throw new FakeFigmaError('Image type is unsupported');
    }
    if (pixels.width > MAX_SIDE || pixels.height > MAX_SIDE) throw new FakeFigmaError('Image is too large');
    const hash = createHash('sha1').update(data).digest('hex');
    if (!this._images.has(hash)) this._images.set(hash, new FakeImage(hash, new Uint8Array(data), pixels));
    return this._images.get(hash)!;
  }

  createRectangle(): FakeShapeNode {
    const rect = new FakeShapeNode(this, 'RECTANGLE', 'Rectangle', 100, 100, IDENTITY_T);
    rect._setFills([{ type: 'SOLID', color: { r: 0.85, g: 0.85, b: 0.85 } }]);
    const page = this.#current;
    page._children.push(rect);
    rect._parent = page;
    this._record(`create ${rect.id}`, () => {
      const p = rect._parent;
      if (p) p._children.splice(p._children.indexOf(rect), 1);
      rect._parent = null;
      rect._removed = true;
    });
    return rect;
  }

  notify(message: string, options?: NotificationOptions): NotificationHandler {
    if (typeof message !== 'string') throw new FakeFigmaError('notify: message must be a string');
    this.notifications.push({ message, options });
    return { cancel: () => undefined };
  }

  showUI(html: string, options?: ShowUIOptions): void {
    if (typeof html !== 'string') throw new FakeFigmaError('showUI: html must be a string');
    this.shownHtml = html;
    this.shownOptions = options;
  }

  commitUndo(): void {
    if (this.#pending.length > 0) this.undoSteps.push(this.#pending);
    this.#pending = [];
  }

  /** Reverts to the last `commitUndo()` state, or (with nothing pending) undoes the last step. */
  triggerUndo(): void {
    const step = this.#pending.length > 0 ? this.#pending : this.undoSteps.pop();
    this.#pending = [];
    if (!step) return;
    this.#setup++;
    try {
      for (const c of [...step].reverse()) c.undo();
    } finally {
      this.#setup--;
    }
  }

  on(type: 'selectionchange', callback: () => void): void;
  on(type: 'documentchange', callback: (event: FigmaDocumentChangeEvent) => void): void;
  on(type: 'selectionchange' | 'documentchange', callback: (() => void) | ((event: FigmaDocumentChangeEvent) => void)): void {
    if (type === 'selectionchange') this.#selectionListeners.add(callback as () => void);
    else if (type === 'documentchange') {
      // dynamic-page: Figma refuses the listener until every page is loaded.
      if (!this.#allPagesLoaded) {
        throw new FakeFigmaError('Cannot register documentchange handler in incremental mode. Call figma.loadAllPagesAsync() before registering a documentchange handler.');
      }
      this.#documentListeners.add(callback as (event: FigmaDocumentChangeEvent) => void);
    } else throw new FakeFigmaError(`on: the fake supports selectionchange and documentchange only (got ${String(type)})`);
  }

  off(type: 'documentchange', callback: (event: FigmaDocumentChangeEvent) => void): void {
    if (type !== 'documentchange') throw new FakeFigmaError(`off: the fake supports documentchange only (got ${String(type)})`);
    this.#documentListeners.delete(callback);
  }

  async loadAllPagesAsync(): Promise<void> {
    await tick();
    for (const page of this.root.pages) page._loaded = true;
    this.#allPagesLoaded = true;
    this.loadAllPagesCalls++;
  }

  // -- set-up helpers (not plugin changes) ------------------------------------

  /** Changes since the last `commitUndo()`. */
  get pendingChanges(): readonly string[] {
    return this.#pending.map((c) => c.what);
  }

  /** Stores an image (as Figma does for an image file in the document); returns its hash. */
  addImage(pixels: RgbaImage): string {
    const bytes = encodePng(pixels);
    const hash = createHash('sha1').update(bytes).digest('hex');
    this._images.set(hash, new FakeImage(hash, bytes, { width: pixels.width, height: pixels.height, data: new Uint8ClampedArray(pixels.data) }));
    return hash;
  }

  /** A rectangle or ellipse with a solid colour (0-255 RGB). */
  addShape(type: 'RECTANGLE' | 'ELLIPSE', o: ShapeOptions & { color?: [number, number, number] }): FakeShapeNode {
    return this.#setupNode(() => {
      const n = new FakeShapeNode(this, type, o.name ?? (type === 'RECTANGLE' ? 'Rectangle' : 'Ellipse'), o.width, o.height, translation(o.x ?? 0, o.y ?? 0, o.rotation));
      const [r, g, b] = o.color ?? [255, 0, 0];
      n._setFills([{ type: 'SOLID', color: { r: r / 255, g: g / 255, b: b / 255 } }]);
      if (o.opacity !== undefined) n.opacity = o.opacity;
      this.#attach(n, o.parent);
      return n;
    });
  }

  /** A rectangle showing `pixels` with an image fill (FILL by default, or CROP with `imageTransform`). */
  addImageRect(o: ShapeOptions & { pixels: RgbaImage; scaleMode?: 'FILL' | 'FIT' | 'CROP' | 'TILE'; imageTransform?: Transform }): FakeShapeNode {
    const hash = this.addImage(o.pixels);
    return this.#setupNode(() => {
      const n = new FakeShapeNode(this, 'RECTANGLE', o.name ?? 'Image', o.width, o.height, translation(o.x ?? 0, o.y ?? 0, o.rotation));
      n._setFills([
        {
          type: 'IMAGE',
          imageHash: hash,
          scaleMode: o.scaleMode ?? 'FILL',
          ...(o.imageTransform && { imageTransform: o.imageTransform }),
        },
      ]);
      if (o.opacity !== undefined) n.opacity = o.opacity;
      this.#attach(n, o.parent);
      return n;
    });
  }

  /** A vector: a polygon (`closed`, filled) or a pencil stroke (open, stroked). Points are in page px (or the parent frame's). */
  addVector(o: { name?: string; points: [number, number][]; closed?: boolean; strokeWeight?: number; color?: [number, number, number]; parent?: FakeContainer; opacity?: number }): FakeVectorNode {
    return this.#setupNode(() => {
      const xs = o.points.map((p) => p[0]);
      const ys = o.points.map((p) => p[1]);
      const x0 = Math.min(...xs);
      const y0 = Math.min(...ys);
      const local = o.points.map(([x, y]) => [x - x0, y - y0] as [number, number]);
      const [r, g, b] = o.color ?? [0, 0, 255];
      const paint: Paint = { type: 'SOLID', color: { r: r / 255, g: g / 255, b: b / 255 } };
      const closed = o.closed ?? false;
      const n = new FakeVectorNode(this, o.name ?? 'Vector', local, closed, o.strokeWeight ?? (closed ? 0 : 8), closed ? [] : [paint], translation(x0, y0));
      if (closed) n._setFills([paint]);
      if (o.opacity !== undefined) n.opacity = o.opacity;
      this.#attach(n, o.parent);
      return n;
    });
  }

  /** A frame, group, component, instance, section or boolean operation. */
  addContainer(
    type: 'FRAME' | 'GROUP' | 'COMPONENT' | 'INSTANCE' | 'SECTION' | 'BOOLEAN_OPERATION' | 'COMPONENT_SET',
    o: ShapeOptions & { color?: [number, number, number]; layoutMode?: FakeFrameNode['layoutMode']; clipsContent?: boolean },
  ): FakeFrameNode {
    return this.#setupNode(() => {
      const n = new FakeFrameNode(this, type, o.name ?? type[0] + type.slice(1).toLowerCase(), o.width, o.height, translation(o.x ?? 0, o.y ?? 0, o.rotation));
      if (o.color) n._setFills([{ type: 'SOLID', color: { r: o.color[0] / 255, g: o.color[1] / 255, b: o.color[2] / 255 } }]);
      if (o.layoutMode) n.layoutMode = o.layoutMode;
      if (o.clipsContent !== undefined) n.clipsContent = o.clipsContent;
      if (o.opacity !== undefined) n.opacity = o.opacity;
      this.#attach(n, o.parent);
      return n;
    });
  }

  /** Selects nodes as the designer would (fires `selectionchange`). */
  select(...nodes: FakeSceneNode[]): void {
    this.#current.selection = nodes;
  }

  /**
   * Changes a node as the designer would (not a plugin change, not journaled):
   * `change` runs, then `documentchange` listeners get a `PROPERTY_CHANGE`,
   * batched with the other changes of this tick as Figma batches them.
   */
  designerEdit<T extends FakeSceneNode>(node: T, properties: string[], change: (node: T) => void): void {
    this.#setupNode(() => change(node));
    this._documentChanged({ type: 'PROPERTY_CHANGE', id: node.id, node, origin: 'LOCAL', properties } as FigmaDocumentChange);
  }

  /** Adds a vector as the designer would (a pencil stroke): like {@link addVector}, and reported as a `CREATE`. */
  designerDraw(o: Parameters<FakeFigma['addVector']>[0]): FakeVectorNode {
    const node = this.addVector(o);
    this._documentChanged({ type: 'CREATE', id: node.id, node, origin: 'LOCAL' } as FigmaDocumentChange);
    return node;
  }

  /** Hides a node as the designer would (not a plugin change). */
  hide(node: FakeSceneNode): void {
    node._setVisible(false);
  }

  /** The whole document (every page, loaded or not), for before/after comparisons. */
  snapshot(): NodeSnapshot {
    return this.root.snapshot();
  }

  /** The panel's window inside Figma's plugin frame, for a panel page at `origin`. */
  panelWindow(origin: string): PanelWindow {
    return this.ui.panelWindow(origin);
  }

  /** Decoded pixels of an image in the document. */
  imagePixels(hash: string): RgbaImage {
    const img = this._images.get(hash);
    if (!img) throw new FakeFigmaError(`No image ${hash}`);
    return img.pixels;
  }

  // -- internals -------------------------------------------------------------

  _nextId(): string {
    return `1:${this.#ids++}`;
  }

  _register(node: FakeNodeBase): void {
    this.#nodes.set(node.id, node);
  }

  _record(what: string, undo: () => void): void {
    if (this.#setup > 0) return;
    this.#pending.push({ what, undo });
  }

  _selectionChanged(): void {
    for (const l of [...this.#selectionListeners]) setTimeout(l, 0);
  }

  /** Queues a change for the `documentchange` listeners; Figma delivers them batched, never synchronously. */
  _documentChanged(change: FigmaDocumentChange): void {
    if (this.#changeBatch) {
      this.#changeBatch.push(change);
      return;
    }
    this.#changeBatch = [change];
    setTimeout(() => {
      const documentChanges = this.#changeBatch ?? [];
      this.#changeBatch = null;
      for (const l of [...this.#documentListeners]) l({ documentChanges });
    }, 0);
  }

  #setupNode<T>(make: () => T): T {
    this.#setup++;
    try {
      return make();
    } finally {
      this.#setup--;
    }
  }

  #attach(node: FakeSceneNode, parent?: FakeContainer): void {
    const p = parent ?? this.#current;
    p._children.push(node);
    node._parent = p;
    // Positions given for a child of a frame are in the frame's space already (relativeTransform).
  }

  _render(node: FakeSceneNode, box: Rect, w: number, h: number): RgbaImage {
    const buf = new Float32Array(w * h * 4);
    const sx = w / box.width;
    const sy = h / box.height;
    const toPage = (i: number, j: number): [number, number] => [box.x + (i + 0.5) / sx, box.y + (j + 0.5) / sy];
    node._draw(buf, w, h, toPage, 1, null);
    const data = new Uint8ClampedArray(w * h * 4);
    for (let p = 0; p < w * h; p++) {
      const a = buf[p * 4 + 3]!;
      if (a <= 0) continue;
      data[p * 4] = Math.round((buf[p * 4]! / a) * 255);
      data[p * 4 + 1] = Math.round((buf[p * 4 + 1]! / a) * 255);
      data[p * 4 + 2] = Math.round((buf[p * 4 + 2]! / a) * 255);
      data[p * 4 + 3] = Math.round(a * 255);
    }
    return { width: w, height: h, data };
  }

  /** The straight RGBA (0-1) of a paint at local point (x, y) of a `w` x `h` node. */
  _paintColor(paint: Paint, x: number, y: number, w: number, h: number): [number, number, number, number] {
    const opacity = paint.opacity ?? 1;
    if (paint.type === 'SOLID') {
      const c = paint.color as Rgb;
      return [c.r, c.g, c.b, opacity];
    }
    if (paint.type === 'IMAGE') {
      const img = paint.imageHash ? this._images.get(paint.imageHash)?.pixels : undefined;
      if (!img) return [0, 0, 0, 0];
      let u: number;
      let v: number;
      if (paint.scaleMode === 'FILL' || paint.scaleMode === 'FIT') {
        const s = paint.scaleMode === 'FILL' ? Math.max(w / img.width, h / img.height) : Math.min(w / img.width, h / img.height);
        u = (x - (w - img.width * s) / 2) / s;
        v = (y - (h - img.height * s) / 2) / s;
      } else if (paint.scaleMode === 'CROP') {
        const t = paint.imageTransform ?? IDENTITY_T;
        const [nu, nv] = apply(t, x / w, y / h);
        u = nu * img.width;
        v = nv * img.height;
      } else {
        const f = paint.scalingFactor ?? 1;
        u = (((x / f) % img.width) + img.width) % img.width;
        v = (((y / f) % img.height) + img.height) % img.height;
      }
      const px = Math.floor(u);
      const py = Math.floor(v);
      if (px < 0 || py < 0 || px >= img.width || py >= img.height) return [0, 0, 0, 0];
      const o = (py * img.width + px) * 4;
      return [img.data[o]! / 255, img.data[o + 1]! / 255, img.data[o + 2]! / 255, (img.data[o + 3]! / 255) * opacity];
    }
    throw new FakeFigmaError(`The fake does not render ${paint.type} paints`);
  }
}

/** Composites a straight RGBA colour `c` with extra alpha `a` over the premultiplied pixel at `o`. */
function over(buf: Float32Array, o: number, c: [number, number, number, number], a: number): void {
  const sa = c[3] * a;
  if (sa <= 0) return;
  const k = 1 - sa;
  buf[o] = c[0] * sa + buf[o]! * k;
  buf[o + 1] = c[1] * sa + buf[o + 1]! * k;
  buf[o + 2] = c[2] * sa + buf[o + 2]! * k;
  buf[o + 3] = sa + buf[o + 3]! * k;
}

function pointInPolygon(pts: [number, number][], x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
    const [xi, yi] = pts[i]!;
    const [xj, yj] = pts[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function distToSegment(x: number, y: number, a: [number, number], b: [number, number]): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - a[0]) * dx + (y - a[1]) * dy) / len2));
  return Math.hypot(x - (a[0] + t * dx), y - (a[1] + t * dy));
}

function tick(): Promise<void> {
  return new Promise((r) => setTimeout(r, 0));
}

// ---- PNG (pngjs) ------------------------------------------------------------

export function encodePng(img: RgbaImage): Uint8Array {
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  return new Uint8Array(PNG.sync.write(png));
}

export function decodePng(bytes: Uint8Array): RgbaImage {
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return { width: png.width, height: png.height, data: new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.byteLength).slice() };
}

/** The pngjs codec, for running the panel's session in Node. */
export const nodeCodec = {
  decode: async (png: Uint8Array): Promise<RgbaImage> => decodePng(png),
  encode: async (img: RgbaImage): Promise<Uint8Array> => encodePng(img),
};

/** A test picture: a smooth gradient with texture, opaque. */
export function gradient(width: number, height: number): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      data[o] = Math.round((x / Math.max(1, width - 1)) * 255);
      data[o + 1] = Math.round((y / Math.max(1, height - 1)) * 255);
      data[o + 2] = (x * 7 + y * 13) & 255;
      data[o + 3] = 255;
    }
  }
  return { width, height, data };
}
