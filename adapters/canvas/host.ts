/**
 * CanvasHost: embeds Stipple in any web page. Attach it to a <canvas> or an
 * <img>; the user paints a mask over it (brush, eraser, rectangle), edits run
 * on an {@link EditEngine}, results appear as a layer with a before/after
 * view and a variant picker, and every change can be undone.
 *
 * This file is the DOM glue (pointer and keyboard input, drawing); the state
 * and the painting math live in `document.ts` and `mask-paint.ts`.
 *
 * @example
 * ```ts
 * const host = new CanvasHost({ brushSize: 24 });
 * await host.attach(document.querySelector('canvas')!);
 * host.on('progress', (e) => e.type === 'step' && console.log(e.step, e.total));
 * await host.run(editor, 'inpaint', { prompt: 'a red fox', steps: 20 });
 * host.applyResult();
 * const png = await host.exportPng();
 * ```
 */
import type { EditResult } from '../../core/editor';
import { InvalidInputError, maskFromImage, maskToImage, type Mask, type RgbaImage } from '../../core/image';
import type { EditProgress } from '../../core/jobs/progress';
import type { Operation } from '../../core/pipelines/request';
import { CanvasDocument, type DocumentChange, type ResultLayer, type ResultSet, type ViewMode } from './document';
import type { EditEngine } from './engine';
import { Emitter } from './events';
import type { HistoryOptions } from './history';
import { fullRect, type Point } from './mask-paint';
import { DEFAULT_OVERLAY, parseColor, renderMaskOverlay, toImagePoint, type OverlayStyle } from './render';
import { anySignal, isCancelled, runOnDocument, type RunRequest } from './run';

/** The painting tools. `none` leaves pointer input to the page. */
export type Tool = 'brush' | 'eraser' | 'rect' | 'none';

export interface CanvasHostOptions {
  /** Default `brush`. */
  tool?: Tool;
  /**
   * Brush diameter in screen (CSS) px (default 32): the brush covers the same
   * part of what the user sees whatever the image's size or zoom (on a
   * 4000x3000 photo shown 800 px wide, a 32 px brush paints 160 image px).
   */
  brushSize?: number;
  /** Brush hardness in [0, 1] (default 0.8). */
  hardness?: number;
  /** Overlay tint (`#rrggbb` or [r, g, b]) and opacity at full coverage. */
  overlay?: { color?: string | readonly [number, number, number]; opacity?: number };
  /** Show the mask overlay (default true). */
  showMask?: boolean;
  /** Keyboard shortcuts on the focused canvas (default true): B, E, R, [ ], Shift+[ ], Ctrl+Z, Ctrl+Shift+Z, Escape. */
  keyboard?: boolean;
  /** Accessible name of the painting surface. */
  label?: string;
  history?: HistoryOptions;
}

/** Tool settings, as reported by the `settings` event. */
export interface ToolSettings {
  tool: Tool;
  brushSize: number;
  hardness: number;
  showMask: boolean;
}

export interface RunOutcome {
  operation: Operation;
  result: EditResult;
}

export interface RunFailure {
  operation: Operation;
  error: unknown;
  /** True when the edit was cancelled (the document is unchanged). */
  cancelled: boolean;
}

/** The events of {@link CanvasHost.on}. */
export interface CanvasHostEvents {
  /** The document changed: mask, layers, pending results, view or history. */
  change: DocumentChange;
  /** Progress of the running edit (phases, steps with ETA, previews). */
  progress: EditProgress;
  /** An edit finished; its images are now the pending results. */
  result: RunOutcome;
  /** An edit failed or was cancelled. */
  error: RunFailure;
  /** An edit started (true) or ended (false). */
  busy: boolean;
  /** Tool, brush size, hardness or mask visibility changed. */
  settings: ToolSettings;
}

const MIN_BRUSH = 1;
const MAX_BRUSH = 1024;

export class CanvasHost {
  readonly #events = new Emitter<CanvasHostEvents>();
  readonly #options: CanvasHostOptions;
  #settings: ToolSettings;
  #overlay: OverlayStyle;
  #doc: CanvasDocument | null = null;
  #unsubscribeDoc: (() => void) | null = null;
  #dom: HostDom | null = null;
  #run: { controller: AbortController; operation: Operation } | null = null;
  #drag: { pointerId: number; start: Point; erase: boolean } | null = null;

  constructor(options: CanvasHostOptions = {}) {
    this.#options = options;
    this.#settings = {
      tool: options.tool ?? 'brush',
      brushSize: clampSize(options.brushSize ?? 32),
      hardness: clamp01(options.hardness ?? 0.8),
      showMask: options.showMask ?? true,
    };
    const color = options.overlay?.color;
    this.#overlay = {
      color: (typeof color === 'string' ? parseColor(color) : color) ?? DEFAULT_OVERLAY.color,
      opacity: options.overlay?.opacity ?? DEFAULT_OVERLAY.opacity,
    };
  }

  // ---- attaching --------------------------------------------------------

  /**
   * Takes over `target`: reads its pixels as the original image and lays the
   * painting surface over it. A 2D canvas keeps showing the document; an
   * image (or a WebGL canvas) is hidden behind a canvas of its own until
   * {@link detach}.
   *
   * @throws {InvalidInputError} when the pixels cannot be read (an image from
   *   another site without CORS, an image that failed to load).
   */
  async attach(target: HTMLCanvasElement | HTMLImageElement): Promise<void> {
    this.detach();
    const doc = target.ownerDocument;
    let image: RgbaImage;
    let display: HTMLCanvasElement;
    let ownsDisplay: boolean;
    const ctx2d = isCanvas(target) ? target.getContext('2d', { willReadFrequently: true }) : null;
    if (isCanvas(target) && ctx2d) {
      image = readPixels(() => ctx2d.getImageData(0, 0, target.width, target.height));
      display = target;
      ownsDisplay = false;
    } else {
      if (!isCanvas(target)) {
        if (!target.complete || target.naturalWidth === 0) {
          await target.decode().catch(() => {
            throw new InvalidInputError('The image could not be loaded, so there is nothing to edit.');
          });
        }
      }
      const w = isCanvas(target) ? target.width : target.naturalWidth;
      const h = isCanvas(target) ? target.height : target.naturalHeight;
      display = doc.createElement('canvas');
      display.width = w;
      display.height = h;
      const ctx = display.getContext('2d', { willReadFrequently: true })!;
      ctx.drawImage(target, 0, 0, w, h);
      image = readPixels(() => ctx.getImageData(0, 0, w, h));
      display.className = target.className;
      const box = target.getBoundingClientRect();
      display.style.width = `${box.width > 0 ? box.width : w}px`;
      display.style.height = `${box.height > 0 ? box.height : h}px`;
      ownsDisplay = true;
    }
    this.#dom = buildDom(target, display, ownsDisplay, this.#options.label);
    this.#listen(this.#dom);
    this.#open(new CanvasDocument(image, this.#options.history ? { history: this.#options.history } : {}));
  }

  /** Gives the page its element back (showing the document's image) and stops listening. */
  detach(): void {
    this.cancel();
    const dom = this.#dom;
    if (!dom) return;
    this.#dom = null;
    dom.abort.abort();
    if (this.#doc && !dom.ownsDisplay) drawImage(dom.display, this.#doc.image);
    if (!dom.ownsDisplay) dom.display.style.display = dom.displayStyle;
    dom.wrapper.replaceWith(dom.target);
    if (!isCanvas(dom.target) || dom.ownsDisplay) dom.target.hidden = dom.targetWasHidden;
  }

  /** Detaches and removes every listener. */
  dispose(): void {
    this.detach();
    this.#unsubscribeDoc?.();
    this.#unsubscribeDoc = null;
    this.#doc = null;
    this.#events.clear();
  }

  /** The element wrapping the canvas and its overlay (null when not attached). */
  get element(): HTMLElement | null {
    return this.#dom?.wrapper ?? null;
  }

  /** The painting surface (the overlay canvas that takes pointer and keyboard input). */
  get surface(): HTMLCanvasElement | null {
    return this.#dom?.maskCanvas ?? null;
  }

  /** The state behind the host. */
  get document(): CanvasDocument {
    if (!this.#doc) throw new InvalidInputError('The canvas host is not attached: call attach() first.');
    return this.#doc;
  }

  /** Starts over with a new original image (clears the mask, results, layers and history). */
  setImage(image: RgbaImage): void {
    this.cancel();
    this.#open(new CanvasDocument(image, this.#options.history ? { history: this.#options.history } : {}));
    if (this.#dom) {
      this.#dom.display.width = image.width;
      this.#dom.display.height = image.height;
      this.#dom.maskCanvas.width = image.width;
      this.#dom.maskCanvas.height = image.height;
      this.#dom.overlayPixels = null;
      this.#renderAll();
    }
  }

  // ---- the small API for apps with their own UI --------------------------

  /** A copy of the document's current image (the original with applied results on top). */
  getImage(): RgbaImage {
    const img = this.document.image;
    return { width: img.width, height: img.height, data: new Uint8ClampedArray(img.data) };
  }

  /** A copy of the untouched original. */
  getOriginal(): RgbaImage {
    const img = this.document.original;
    return { width: img.width, height: img.height, data: new Uint8ClampedArray(img.data) };
  }

  /** A copy of the mask (coverage in [0, 1], 1 = repaint). */
  getMask(): Mask {
    const m = this.document.mask;
    return { width: m.width, height: m.height, data: new Float32Array(m.data) };
  }

  /**
   * Replaces the mask (undoable). Takes a coverage {@link Mask} or a mask
   * image (white = repaint); another size is resized to the image.
   */
  setMask(mask: Mask | RgbaImage): void {
    const m = mask.data instanceof Float32Array ? (mask as Mask) : maskFromImage(mask as RgbaImage);
    this.document.setMask(m);
  }

  clearMask(): void {
    this.document.clearMask();
  }

  invertMask(): void {
    this.document.invertMask();
  }

  /** Masks the whole image. */
  fillMask(): void {
    this.document.fillMask();
  }

  /**
   * Runs an edit on the document's image and mask (unless `request` brings
   * its own); the images become the pending results. One edit at a time.
   * Rejects with the engine's error (a `CancelledError` after
   * {@link cancel}); the `error` event reports it too.
   */
  async run(engine: EditEngine, operation: Operation, request: RunRequest): Promise<EditResult> {
    if (this.#run) throw new InvalidInputError('An edit is already running: wait for it to finish or cancel it.');
    const doc = this.document;
    doc.endStroke();
    const controller = new AbortController();
    this.#run = { controller, operation };
    this.#events.emit('busy', true);
    try {
      const result = await runOnDocument(
        doc,
        engine,
        operation,
        { ...request, signal: anySignal([controller.signal, request.signal]) },
        (e) => this.#events.emit('progress', e),
      );
      this.#events.emit('result', { operation, result });
      return result;
    } catch (error) {
      this.#events.emit('error', { operation, error, cancelled: isCancelled(error) });
      throw error;
    } finally {
      this.#run = null;
      this.#events.emit('busy', false);
    }
  }

  /** Cancels the running edit (it stops within one step); nothing changes in the document. */
  cancel(): void {
    this.#run?.controller.abort();
  }

  /** True while an edit runs. */
  get busy(): boolean {
    return this.#run !== null;
  }

  /** Shows images (e.g. from the history) as pending results, as if an edit had just made them. */
  showResults(results: Omit<ResultSet, 'base' | 'warnings'> & { warnings?: ResultSet['warnings'] }, selected = 0): void {
    this.document.setResults(results, selected);
  }

  /** The pending results, or null. */
  get results(): ResultSet | null {
    return this.#doc?.results ?? null;
  }

  /** Picks the variant shown and applied. */
  selectVariant(index: number): void {
    this.document.selectVariant(index);
  }

  get view(): ViewMode {
    return this.#doc?.view ?? 'after';
  }

  /** `before` hides the pending result, `after` shows it. */
  setView(view: ViewMode): void {
    this.document.setView(view);
  }

  toggleView(): ViewMode {
    return this.document.toggleView();
  }

  /** Applies a pending variant (default: the selected one) as a new, undoable layer. */
  applyResult(index?: number): ResultLayer {
    return this.document.applyResult(index);
  }

  discardResults(): void {
    this.document.discardResults();
  }

  undo(): boolean {
    return this.document.undo();
  }

  redo(): boolean {
    return this.document.redo();
  }

  get canUndo(): boolean {
    return this.#doc?.canUndo ?? false;
  }

  get canRedo(): boolean {
    return this.#doc?.canRedo ?? false;
  }

  /**
   * The document as a PNG: `image` (default) the current image, `displayed`
   * what the canvas shows (a pending result in the after view), `mask` the
   * mask as a black-and-white image.
   */
  exportPng(what: 'image' | 'displayed' | 'mask' = 'image'): Promise<Blob> {
    const doc = this.document;
    const img = what === 'mask' ? maskToImage(doc.mask) : what === 'displayed' ? doc.displayed : doc.image;
    return encodePng(img, this.#dom?.target.ownerDocument);
  }

  // ---- tool settings ----------------------------------------------------

  get settings(): ToolSettings {
    return { ...this.#settings };
  }

  setTool(tool: Tool): void {
    this.#set({ tool });
  }

  setBrushSize(px: number): void {
    this.#set({ brushSize: clampSize(px) });
  }

  setHardness(h: number): void {
    this.#set({ hardness: clamp01(h) });
  }

  setShowMask(show: boolean): void {
    this.#set({ showMask: show });
  }

  on<K extends keyof CanvasHostEvents>(type: K, listener: (event: CanvasHostEvents[K]) => void): () => void {
    return this.#events.on(type, listener);
  }

  off<K extends keyof CanvasHostEvents>(type: K, listener: (event: CanvasHostEvents[K]) => void): void {
    this.#events.off(type, listener);
  }

  // ---- internals --------------------------------------------------------

  #set(patch: Partial<ToolSettings>): void {
    const next = { ...this.#settings, ...patch };
    if (JSON.stringify(next) === JSON.stringify(this.#settings)) return;
    this.#settings = next;
    this.#renderMaskVisibility();
    this.#hideRectPreview();
    if (this.#dom) this.#dom.cursor.hidden = true;
    this.#events.emit('settings', { ...next });
  }

  #open(doc: CanvasDocument): void {
    this.#unsubscribeDoc?.();
    this.#doc = doc;
    this.#unsubscribeDoc = doc.on('change', (change) => {
      this.#render(change);
      this.#events.emit('change', change);
    });
    this.#renderAll();
    this.#events.emit('change', { kinds: ['image', 'mask', 'layers', 'results', 'view', 'history'] });
  }

  #renderAll(): void {
    this.#render({ kinds: ['image', 'mask', 'layers', 'results', 'view'], rect: this.#doc ? fullRect(this.#doc) : undefined });
  }

  #render(change: DocumentChange): void {
    const dom = this.#dom;
    const doc = this.#doc;
    if (!dom || !doc) return;
    const k = change.kinds;
    if (k.includes('image') || k.includes('layers') || k.includes('results') || k.includes('view')) {
      drawImage(dom.display, doc.displayed);
    }
    if (k.includes('mask')) {
      const rect = change.rect ?? fullRect(doc);
      const ctx = dom.maskCanvas.getContext('2d')!;
      if (!dom.overlayPixels || dom.overlayPixels.width !== doc.width || dom.overlayPixels.height !== doc.height) {
        dom.overlayPixels = ctx.createImageData(doc.width, doc.height);
        renderMaskOverlay(doc.mask, dom.overlayPixels.data, fullRect(doc), this.#overlay);
        ctx.putImageData(dom.overlayPixels, 0, 0);
      } else {
        renderMaskOverlay(doc.mask, dom.overlayPixels.data, rect, this.#overlay);
        ctx.putImageData(dom.overlayPixels, 0, 0, rect.x, rect.y, rect.width, rect.height);
      }
    }
    this.#renderMaskVisibility();
  }

  /** The overlay hides while a pending result is shown, so the result is seen as it is. */
  #renderMaskVisibility(): void {
    const dom = this.#dom;
    const doc = this.#doc;
    if (!dom || !doc) return;
    const showingResult = doc.results !== null && doc.view === 'after';
    dom.maskCanvas.style.opacity = this.#settings.showMask && !showingResult ? '1' : '0';
    dom.wrapper.dataset['view'] = showingResult ? 'result' : 'document';
  }

  #listen(dom: HostDom): void {
    const signal = dom.abort.signal;
    const surface = dom.maskCanvas;
    const point = (e: PointerEvent): Point => {
      const r = surface.getBoundingClientRect();
      return toImagePoint(e.clientX - r.left, e.clientY - r.top, r, this.document);
    };
    surface.addEventListener(
      'pointerdown',
      (e) => {
        const tool = this.#settings.tool;
        if (tool === 'none' || e.button !== 0 || !this.#doc || this.#drag) return;
        e.preventDefault();
        surface.focus({ preventScroll: true });
        surface.setPointerCapture(e.pointerId);
        const p = point(e);
        // Painting on a shown result would be painting blind: show the document.
        if (this.#doc.results && this.#doc.view === 'after') this.#doc.setView('before');
        const erase = tool === 'eraser' || e.altKey;
        this.#drag = { pointerId: e.pointerId, start: p, erase };
        if (tool === 'brush' || tool === 'eraser') {
          this.#doc.beginStroke(erase ? 'erase' : 'paint', this.#brush(), p);
        } else {
          this.#showRectPreview(p, p);
        }
      },
      { signal },
    );
    surface.addEventListener(
      'pointermove',
      (e) => {
        this.#moveCursor(e);
        const drag = this.#drag;
        if (!drag || drag.pointerId !== e.pointerId || !this.#doc) return;
        if (this.#settings.tool === 'rect') {
          this.#showRectPreview(drag.start, point(e));
          return;
        }
        const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
        for (const c of events.length > 0 ? events : [e]) this.#doc.strokeTo(point(c));
      },
      { signal },
    );
    const finish = (e: PointerEvent, commit: boolean): void => {
      const drag = this.#drag;
      if (!drag || drag.pointerId !== e.pointerId || !this.#doc) return;
      this.#drag = null;
      if (surface.hasPointerCapture(e.pointerId)) surface.releasePointerCapture(e.pointerId);
      if (this.#settings.tool === 'rect') {
        this.#hideRectPreview();
        if (commit) this.#doc.paintRect(drag.start, point(e), drag.erase ? 'erase' : 'paint');
      } else if (commit) {
        this.#doc.strokeTo(point(e));
        this.#doc.endStroke();
      } else {
        this.#doc.cancelStroke();
      }
    };
    surface.addEventListener('pointerup', (e) => finish(e, true), { signal });
    surface.addEventListener('pointercancel', (e) => finish(e, false), { signal });
    surface.addEventListener('pointerleave', () => (dom.cursor.hidden = true), { signal });
    if (this.#options.keyboard !== false) surface.addEventListener('keydown', (e) => this.#onKey(e), { signal });
  }

  #onKey(e: KeyboardEvent): void {
    const mod = e.ctrlKey || e.metaKey;
    const key = e.key.toLowerCase();
    let handled = true;
    if (mod && key === 'z') {
      if (e.shiftKey) this.redo();
      else this.undo();
    } else if (mod && key === 'y') this.redo();
    else if (mod || e.altKey) handled = false;
    else if (key === 'b') this.setTool('brush');
    else if (key === 'e') this.setTool('eraser');
    else if (key === 'r') this.setTool('rect');
    else if (e.key === '[' || e.key === '{') {
      if (e.shiftKey) this.setHardness(this.#settings.hardness - 0.1);
      else this.setBrushSize(Math.round(this.#settings.brushSize / 1.25));
    } else if (e.key === ']' || e.key === '}') {
      if (e.shiftKey) this.setHardness(this.#settings.hardness + 0.1);
      else this.setBrushSize(Math.round(this.#settings.brushSize * 1.25) + 1);
    } else if (e.key === 'Escape' && this.#drag) {
      const drag = this.#drag;
      this.#drag = null;
      this.#hideRectPreview();
      this.#doc?.cancelStroke();
      if (this.#dom?.maskCanvas.hasPointerCapture(drag.pointerId)) this.#dom.maskCanvas.releasePointerCapture(drag.pointerId);
    } else handled = false;
    if (handled) e.preventDefault();
  }

  /** The brush in image px: its screen size over the image's display scale. */
  #brush(): { size: number; hardness: number } {
    return { size: this.#settings.brushSize * this.#imagePxPerScreenPx(), hardness: this.#settings.hardness };
  }

  /** Image px under one screen px of the painting surface (1 while it is not laid out). */
  #imagePxPerScreenPx(): number {
    const shown = this.#dom?.maskCanvas.getBoundingClientRect().width ?? 0;
    const width = this.#doc?.width ?? 0;
    return shown > 0 && width > 0 ? width / shown : 1;
  }

  #moveCursor(e: PointerEvent): void {
    const dom = this.#dom;
    const doc = this.#doc;
    if (!dom || !doc) return;
    const tool = this.#settings.tool;
    if (tool !== 'brush' && tool !== 'eraser') {
      dom.cursor.hidden = true;
      return;
    }
    const r = dom.maskCanvas.getBoundingClientRect();
    // The brush size is in screen px already: the cursor is drawn at it.
    const d = this.#settings.brushSize;
    const s = dom.cursor.style;
    s.width = s.height = `${d}px`;
    s.left = `${e.clientX - r.left - d / 2}px`;
    s.top = `${e.clientY - r.top - d / 2}px`;
    dom.cursor.dataset['tool'] = tool;
    dom.cursor.hidden = false;
  }

  #showRectPreview(a: Point, b: Point): void {
    const dom = this.#dom;
    const doc = this.#doc;
    if (!dom || !doc) return;
    const r = dom.maskCanvas.getBoundingClientRect();
    const sx = r.width / doc.width;
    const sy = r.height / doc.height;
    const s = dom.rect.style;
    s.left = `${Math.min(a.x, b.x) * sx}px`;
    s.top = `${Math.min(a.y, b.y) * sy}px`;
    s.width = `${Math.abs(b.x - a.x) * sx}px`;
    s.height = `${Math.abs(b.y - a.y) * sy}px`;
    dom.rect.hidden = false;
  }

  #hideRectPreview(): void {
    if (this.#dom) this.#dom.rect.hidden = true;
  }
}

/** Encodes an image as a PNG blob (with a canvas of `doc`, or an OffscreenCanvas). */
export function encodePng(image: RgbaImage, doc?: Document): Promise<Blob> {
  const data = new ImageData(new Uint8ClampedArray(image.data), image.width, image.height);
  if (!doc && typeof OffscreenCanvas !== 'undefined') {
    const c = new OffscreenCanvas(image.width, image.height);
    c.getContext('2d')!.putImageData(data, 0, 0);
    return c.convertToBlob({ type: 'image/png' });
  }
  const c = (doc ?? document).createElement('canvas');
  c.width = image.width;
  c.height = image.height;
  c.getContext('2d')!.putImageData(data, 0, 0);
  return new Promise((resolve, reject) =>
    c.toBlob((b) => (b ? resolve(b) : reject(new InvalidInputError('The browser could not encode the PNG.'))), 'image/png'),
  );
}

interface HostDom {
  target: HTMLCanvasElement | HTMLImageElement;
  targetWasHidden: boolean;
  display: HTMLCanvasElement;
  ownsDisplay: boolean;
  /** The display canvas's inline `display` before attaching. */
  displayStyle: string;
  wrapper: HTMLDivElement;
  maskCanvas: HTMLCanvasElement;
  cursor: HTMLDivElement;
  rect: HTMLDivElement;
  overlayPixels: ImageData | null;
  abort: AbortController;
}

function buildDom(
  target: HTMLCanvasElement | HTMLImageElement,
  display: HTMLCanvasElement,
  ownsDisplay: boolean,
  label: string | undefined,
): HostDom {
  const doc = target.ownerDocument;
  const wrapper = doc.createElement('div');
  wrapper.className = 'stipple-canvas-host';
  Object.assign(wrapper.style, { position: 'relative', display: 'inline-block', lineHeight: '0', maxWidth: '100%' });
  const targetWasHidden = target.hidden;
  target.replaceWith(wrapper);
  if (ownsDisplay) {
    // The page's element stays in the DOM, hidden, so detach() can restore it in place.
    target.hidden = true;
    wrapper.append(target);
  }
  wrapper.append(display);
  const displayStyle = display.style.display;
  display.style.display = 'block';

  const maskCanvas = doc.createElement('canvas');
  maskCanvas.width = display.width;
  maskCanvas.height = display.height;
  maskCanvas.className = 'stipple-mask';
  maskCanvas.tabIndex = 0;
  maskCanvas.setAttribute('role', 'img');
  maskCanvas.setAttribute(
    'aria-label',
    label ?? 'Image and mask. Drag to paint the area to change. Keys: B brush, E eraser, R rectangle, [ and ] brush size, Ctrl+Z undo.',
  );
  Object.assign(maskCanvas.style, {
    position: 'absolute',
    inset: '0',
    width: '100%',
    height: '100%',
    touchAction: 'none',
    cursor: 'crosshair',
  });

  const cursor = doc.createElement('div');
  cursor.className = 'stipple-brush-cursor';
  cursor.hidden = true;
  Object.assign(cursor.style, {
    position: 'absolute',
    pointerEvents: 'none',
    borderRadius: '50%',
    border: '1px solid #fff',
    boxShadow: '0 0 0 1px #000',
    boxSizing: 'border-box',
  });

  const rect = doc.createElement('div');
  rect.className = 'stipple-rect-preview';
  rect.hidden = true;
  Object.assign(rect.style, {
    position: 'absolute',
    pointerEvents: 'none',
    border: '1px dashed #fff',
    outline: '1px dashed #000',
    boxSizing: 'border-box',
  });

  wrapper.append(maskCanvas, cursor, rect);
  return {
    target,
    targetWasHidden,
    display,
    ownsDisplay,
    displayStyle,
    wrapper,
    maskCanvas,
    cursor,
    rect,
    overlayPixels: null,
    abort: new AbortController(),
  };
}

function drawImage(canvas: HTMLCanvasElement, image: RgbaImage): void {
  if (canvas.width !== image.width) canvas.width = image.width;
  if (canvas.height !== image.height) canvas.height = image.height;
  canvas.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
}

function readPixels(read: () => ImageData): RgbaImage {
  let data: ImageData;
  try {
    data = read();
  } catch (cause) {
    throw new InvalidInputError(
      'The image cannot be read: it comes from another site that does not allow it (CORS). Serve it from the same site, or with Access-Control-Allow-Origin and crossorigin="anonymous".',
      { cause },
    );
  }
  return { width: data.width, height: data.height, data: data.data };
}

function isCanvas(el: Element): el is HTMLCanvasElement {
  return el.tagName === 'CANVAS';
}

function clampSize(px: number): number {
  return Math.max(MIN_BRUSH, Math.min(MAX_BRUSH, Math.round(Number.isFinite(px) ? px : 32)));
}

function clamp01(v: number): number {
  return Math.round((v > 0 ? (v < 1 ? v : 1) : 0) * 100) / 100;
}
