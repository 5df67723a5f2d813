/**
 * A stand-in for Photopea, for tests: an in-memory document model (layers
 * with pixels, groups, a selection with 8-bit coverage, the active layer,
 * history) behind the part of Photopea's Photoshop-like scripting model the
 * adapter's scripts use, and the live-messaging reply protocol around it.
 *
 * It is as strict as Photopea: reading or writing a property the model does
 * not have throws (Photopea answers `undefined`, which fails later and less
 * clearly), read-only properties refuse writes, and `translate` with an
 * active selection moves only the selected pixels. Scripts are evaluated as
 * text (`new Function('app', 'SolidColor', 'ElementPlacement', script)`).
 *
 * Browser-safe (no Node imports): the fake Photopea page of the Chromium
 * test runs the same code. PNG coding is injected.
 */
import type { Mask, RgbaImage } from '../../core/image';

export interface EmulatorOptions {
  /** Decodes the data URL `app.open` receives. */
  decodeDataUrl(url: string): Promise<RgbaImage>;
  /** Encodes the document for `saveToOE("png")`. */
  encodePng(image: RgbaImage): Uint8Array | Promise<Uint8Array>;
  /** How long after a script's "done" a pasted layer appears (default 30 ms). */
  openDelayMs?: number;
  /** Whether `Document.channels` and `Selection.store/load` exist (default true). */
  channels?: boolean;
  /** Whether `Document.suspendHistory` exists (default true). */
  suspendHistory?: boolean;
  /** Whether `Selection.select(points)` exists (default true). */
  selectRegion?: boolean;
  /**
   * Whether `Document.historyStates` and `Document.activeHistoryState` exist
   * (default false: not confirmed in Photopea's script model; live mode then
   * sees selection and layer changes only).
   */
  historyStates?: boolean;
}

export interface LayerSpec {
  name: string;
  image?: RgbaImage;
  x?: number;
  y?: number;
  visible?: boolean;
  /** A group with these layers (top first) instead of pixels. */
  layers?: LayerSpec[];
}

export interface DocumentSpec {
  width: number;
  height: number;
  name?: string;
  /** Top first, as Photoshop lists them. */
  layers: LayerSpec[];
  /** Selection coverage, 0..255 per pixel (or a Mask in [0, 1]). */
  selection?: Uint8Array | Mask | null;
  /** Path of indices to the active layer (default [0]: the top layer). */
  active?: number[];
}

/** A deep copy of the document's state, for equality checks. */
export interface DocumentSnapshot {
  width: number;
  height: number;
  layers: LayerSnapshot[];
  active: string | null;
  selection: number[] | null;
}

export interface LayerSnapshot {
  name: string;
  visible: boolean;
  kind: 'ArtLayer' | 'LayerSet';
  smart: boolean;
  x: number;
  y: number;
  width: number;
  height: number;
  /** Pixels, base64 (ArtLayers). */
  pixels: string;
  layers?: LayerSnapshot[];
}

// ---------------------------------------------------------------------------
// The document model

class Layer {
  name: string;
  visible = true;
  kind: 'ArtLayer' | 'LayerSet';
  smart = false;
  x = 0;
  y = 0;
  image: RgbaImage | null = null;
  children: Layer[] = [];
  parent: Layer | Doc;
  constructor(kind: 'ArtLayer' | 'LayerSet', name: string, parent: Layer | Doc) {
    this.kind = kind;
    this.name = name;
    this.parent = parent;
  }
}

class Doc {
  width: number;
  height: number;
  name: string;
  children: Layer[] = [];
  active: Layer | null = null;
  /** Coverage 0..255 per document pixel, or null. */
  selection: Uint8Array | null = null;
  history: string[] = [];
  /** Key of the Selection wrapper. */
  readonly selectionKey = {};
  /** Key of the artLayers wrapper. */
  readonly artLayersKey = {};
  suspended: string[] | null = null;
  layerSerial = 1;
  constructor(width: number, height: number, name: string) {
    this.width = width;
    this.height = height;
    this.name = name;
  }
  record(step: string): void {
    (this.suspended ?? this.history).push(step);
  }
}

function allLayers(parent: { children: Layer[] }): Layer[] {
  const out: Layer[] = [];
  for (const l of parent.children) {
    out.push(l);
    if (l.kind === 'LayerSet') out.push(...allLayers(l));
  }
  return out;
}

function docOf(l: Layer): Doc {
  let p: Layer | Doc = l;
  while (p instanceof Layer) p = p.parent;
  return p;
}

/** Bounds of the non-transparent pixels of a layer (groups: of their children), or null. */
function layerBounds(l: Layer): [number, number, number, number] | null {
  if (l.kind === 'LayerSet') {
    let b: [number, number, number, number] | null = null;
    for (const c of l.children) {
      const cb = layerBounds(c);
      if (!cb) continue;
      b = b ? [Math.min(b[0], cb[0]), Math.min(b[1], cb[1]), Math.max(b[2], cb[2]), Math.max(b[3], cb[3])] : cb;
    }
    return b;
  }
  const img = l.image;
  if (!img) return null;
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (img.data[(y * img.width + x) * 4 + 3]! > 0) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  }
  return x1 < 0 ? null : [l.x + x0, l.y + y0, l.x + x1 + 1, l.y + y1 + 1];
}

/** Straight-alpha "normal" blending of one pixel of `src` (scaled by `coverage`) over `dst`. */
function blendPixel(dst: Uint8ClampedArray, di: number, sr: number, sg: number, sb: number, sa: number): void {
  if (sa <= 0) return;
  const da = dst[di + 3]! / 255;
  const a = sa / 255;
  const oa = a + da * (1 - a);
  if (oa <= 0) return;
  dst[di] = Math.round((sr * a + dst[di]! * da * (1 - a)) / oa);
  dst[di + 1] = Math.round((sg * a + dst[di + 1]! * da * (1 - a)) / oa);
  dst[di + 2] = Math.round((sb * a + dst[di + 2]! * da * (1 - a)) / oa);
  dst[di + 3] = Math.round(oa * 255);
}

function compositeInto(dst: RgbaImage, layers: Layer[]): void {
  for (let i = layers.length - 1; i >= 0; i--) {
    const l = layers[i]!;
    if (!l.visible) continue;
    if (l.kind === 'LayerSet') {
      compositeInto(dst, l.children);
      continue;
    }
    const img = l.image;
    if (!img) continue;
    for (let y = 0; y < img.height; y++) {
      const dy = y + l.y;
      if (dy < 0 || dy >= dst.height) continue;
      for (let x = 0; x < img.width; x++) {
        const dx = x + l.x;
        if (dx < 0 || dx >= dst.width) continue;
        const s = (y * img.width + x) * 4;
        blendPixel(dst.data, (dy * dst.width + dx) * 4, img.data[s]!, img.data[s + 1]!, img.data[s + 2]!, img.data[s + 3]!);
      }
    }
  }
}

/** The document as shown: visible layers over transparency. */
export function composite(doc: { width: number; height: number; children: Layer[] }): RgbaImage {
  const out: RgbaImage = { width: doc.width, height: doc.height, data: new Uint8ClampedArray(doc.width * doc.height * 4) };
  compositeInto(out, doc.children);
  return out;
}

/** Grows a layer's pixel buffer to cover the whole document (keeping pixels outside it). */
function coverDocument(l: Layer, doc: Doc): RgbaImage {
  const img = l.image;
  const x0 = Math.min(0, img ? l.x : 0);
  const y0 = Math.min(0, img ? l.y : 0);
  const x1 = Math.max(doc.width, img ? l.x + img.width : 0);
  const y1 = Math.max(doc.height, img ? l.y + img.height : 0);
  if (img && x0 === l.x && y0 === l.y && x1 === l.x + img.width && y1 === l.y + img.height) return img;
  const out: RgbaImage = { width: x1 - x0, height: y1 - y0, data: new Uint8ClampedArray((x1 - x0) * (y1 - y0) * 4) };
  if (img) {
    for (let y = 0; y < img.height; y++) {
      out.data.set(img.data.subarray(y * img.width * 4, (y + 1) * img.width * 4), ((y + l.y - y0) * out.width + (l.x - x0)) * 4);
    }
  }
  l.image = out;
  l.x = x0;
  l.y = y0;
  return out;
}

// ---------------------------------------------------------------------------
// The scripting model: strict wrappers

/**
 * `target` behind a Proxy that throws on unknown properties and on writes
 * to read-only ones, like a host object that is stricter than Photopea.
 * Keys in `hidden` do not exist at all (`in` is false).
 */
function strict<T extends object>(target: T, what: string, hidden: ReadonlySet<string> = new Set()): T {
  return new Proxy(target, {
    get(t, key) {
      if (typeof key === 'symbol') return Reflect.get(t, key, t);
      if (hidden.has(key) || !(key in t)) throw new TypeError(`${what} has no property "${key}" (Photopea emulator)`);
      const v = Reflect.get(t, key, t);
      return typeof v === 'function' && key !== 'constructor' ? v.bind(t) : v;
    },
    set(t, key, value) {
      if (typeof key === 'symbol' || hidden.has(key)) throw new TypeError(`${what}: cannot set "${String(key)}" (Photopea emulator)`);
      let proto: object | null = t;
      let desc: PropertyDescriptor | undefined;
      while (proto && !desc) {
        desc = Object.getOwnPropertyDescriptor(proto, key);
        proto = Object.getPrototypeOf(proto);
      }
      if (!desc) throw new TypeError(`${what} has no property "${key}" to set (Photopea emulator)`);
      if ((desc.get && !desc.set) || (!desc.get && !desc.set && desc.writable === false) || typeof desc.value === 'function') {
        throw new TypeError(`${what}.${key} is read-only (Photopea emulator)`);
      }
      return Reflect.set(t, key, value, t);
    },
    has(t, key) {
      return typeof key === 'string' && hidden.has(key) ? false : key in t;
    },
    defineProperty() {
      throw new TypeError(`${what}: cannot define properties (Photopea emulator)`);
    },
    deleteProperty() {
      throw new TypeError(`${what}: cannot delete properties (Photopea emulator)`);
    },
  });
}

class UnitValue {
  constructor(
    readonly value: number,
    readonly type = 'px',
  ) {}
  toString(): string {
    return `${this.value} ${this.type}`;
  }
}

function unitBounds(b: [number, number, number, number] | null): UnitValue[] | null {
  return b ? b.map((v) => strict(new UnitValue(v), 'UnitValue')) : null;
}

class RgbApi {
  red = 0;
  green = 0;
  blue = 0;
}

/** `new SolidColor()` in scripts. */
class SolidColorApi {
  readonly rgb = strict(new RgbApi(), 'SolidColor.rgb');
}
function SolidColor(this: unknown): SolidColorApi {
  if (!new.target) throw new TypeError('SolidColor is a constructor (Photopea emulator)');
  return strict(new SolidColorApi(), 'SolidColor');
}

const ElementPlacement = Object.freeze({ PLACEBEFORE: 'PLACEBEFORE', PLACEAFTER: 'PLACEAFTER', INSIDE: 'INSIDE', PLACEATBEGINNING: 'PLACEATBEGINNING', PLACEATEND: 'PLACEATEND' });

class ChannelApi {
  data: Uint8Array | null = null;
  removed = false;
  remove(): void {
    this.removed = true;
  }
}

/** The live-messaging side and the document model together. */
export class PhotopeaEmulator {
  readonly documents: Doc[] = [];
  /** Errors thrown out of scripts (not caught inside them). */
  readonly scriptErrors: string[] = [];
  /** Every script received, in order. */
  readonly scripts: string[] = [];
  readonly #opts: Required<Omit<EmulatorOptions, 'decodeDataUrl' | 'encodePng'>> & Pick<EmulatorOptions, 'decodeDataUrl' | 'encodePng'>;
  readonly #wrappers = new WeakMap<object, unknown>();
  #outbox: Array<string | Promise<ArrayBuffer>> = [];
  #afterDone: Array<() => void> = [];
  #chain: Promise<void> = Promise.resolve();
  readonly #pendingOpens = new Set<Promise<void>>();

  constructor(options: EmulatorOptions) {
    this.#opts = { openDelayMs: 30, channels: true, suspendHistory: true, selectRegion: true, historyStates: false, ...options };
  }

  // ---- setting up and inspecting (test side) ----

  /** Opens a document as the active one. */
  openDocument(spec: DocumentSpec): void {
    const doc = new Doc(spec.width, spec.height, spec.name ?? 'Untitled');
    const build = (specs: LayerSpec[], parent: Layer | Doc): Layer[] =>
      specs.map((s) => {
        const l = new Layer(s.layers ? 'LayerSet' : 'ArtLayer', s.name, parent);
        l.visible = s.visible ?? true;
        l.x = s.x ?? 0;
        l.y = s.y ?? 0;
        if (s.image) l.image = { width: s.image.width, height: s.image.height, data: new Uint8ClampedArray(s.image.data) };
        if (s.layers) l.children = build(s.layers, l);
        return l;
      });
    doc.children = build(spec.layers, doc);
    let active: Layer | undefined;
    let list = doc.children;
    for (const i of spec.active ?? [0]) {
      active = list[i];
      list = active?.children ?? [];
    }
    doc.active = active ?? null;
    if (spec.selection) {
      const s = spec.selection;
      doc.selection = s instanceof Uint8Array ? new Uint8Array(s) : Uint8Array.from((s as Mask).data, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
    }
    this.documents.unshift(doc);
  }

  get activeDocument(): Doc {
    const d = this.documents[0];
    if (!d) throw new Error('No document is open in the emulator.');
    return d;
  }

  /** A deep copy of the active document's state. */
  snapshot(): DocumentSnapshot {
    const d = this.activeDocument;
    const snap = (l: Layer): LayerSnapshot => ({
      name: l.name,
      visible: l.visible,
      kind: l.kind,
      smart: l.smart,
      x: l.x,
      y: l.y,
      width: l.image?.width ?? 0,
      height: l.image?.height ?? 0,
      pixels: l.image ? toBase64(l.image.data) : '',
      ...(l.kind === 'LayerSet' && { layers: l.children.map(snap) }),
    });
    return {
      width: d.width,
      height: d.height,
      layers: d.children.map(snap),
      active: d.active?.name ?? null,
      selection: d.selection ? Array.from(d.selection) : null,
    };
  }

  /** The active document's layers, top first, nested ones included. */
  layers(): Array<{ name: string; kind: string; smart: boolean; x: number; y: number; image: RgbaImage | null; visible: boolean }> {
    return allLayers(this.activeDocument).map((l) => ({ name: l.name, kind: l.kind, smart: l.smart, x: l.x, y: l.y, image: l.image, visible: l.visible }));
  }

  /** The active document as shown. */
  composite(): RgbaImage {
    return composite(this.activeDocument);
  }

  /** Resolves when every `app.open` started so far has added its layer. */
  async settled(): Promise<void> {
    await this.#chain;
    while (this.#pendingOpens.size > 0) await Promise.all([...this.#pendingOpens]);
  }

  // ---- the protocol (Photopea side) ----

  /**
   * Handles one message from the plugin, in arrival order, and sends the
   * replies through `send`: for a script, what it echoed and saved, then
   * "done". An ArrayBuffer (a file) just gets "done".
   */
  receive(data: unknown, send: (message: string | ArrayBuffer) => void): Promise<void> {
    const run = async (): Promise<void> => {
      if (typeof data === 'string') {
        this.scripts.push(data);
        this.#outbox = [];
        this.#afterDone = [];
        try {
          this.evaluate(data);
        } catch (e) {
          this.scriptErrors.push(e instanceof Error ? e.message : String(e));
        }
        const out = this.#outbox;
        const after = this.#afterDone;
        this.#outbox = [];
        this.#afterDone = [];
        for (const m of out) send(typeof m === 'string' ? m : await m);
        send('done');
        for (const f of after) f();
      } else {
        send('done');
      }
    };
    const next = this.#chain.then(run, run);
    this.#chain = next.catch(() => undefined);
    return next;
  }

  /** Evaluates a script against the scripting model (no protocol). */
  evaluate(script: string): void {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const fn = new Function('app', 'SolidColor', 'ElementPlacement', script) as (...args: unknown[]) => void;
    fn(this.#app(), SolidColor, ElementPlacement);
  }

  // ---- scripting API objects ----

  #wrap<T extends object>(key: object, make: () => T): T {
    let w = this.#wrappers.get(key) as T | undefined;
    if (!w) {
      w = make();
      this.#wrappers.set(key, w);
    }
    return w;
  }

  #app(): object {
    const emu = this;
    class App {
      get documents(): object {
        return strict({ length: emu.documents.length }, 'app.documents');
      }
      get activeDocument(): object {
        return emu.#docApi(emu.activeDocument);
      }
      echoToOE(s: unknown): void {
        emu.#outbox.push(String(s));
      }
      open(url: unknown, as: unknown, asSmart: unknown): void {
        if (typeof url !== 'string') throw new TypeError('app.open: the URL must be a string');
        if (asSmart !== true) throw new TypeError('app.open: the emulator only pastes into the current document (asSmart = true)');
        void as;
        const doc = emu.activeDocument;
        const decoded = emu.#opts.decodeDataUrl(url);
        emu.#afterDone.push(() => {
          const p = decoded
            .then((image) => new Promise<RgbaImage>((r) => setTimeout(() => r(image), emu.#opts.openDelayMs)))
            .then((image) => emu.#paste(doc, image))
            .finally(() => emu.#pendingOpens.delete(p));
          emu.#pendingOpens.add(p);
        });
      }
    }
    return this.#wrap(this, () => strict(new App(), 'app'));
  }

  #paste(doc: Doc, image: RgbaImage): void {
    const l = new Layer('ArtLayer', `Pasted image ${doc.layerSerial++}`, doc);
    l.smart = true;
    l.image = { width: image.width, height: image.height, data: new Uint8ClampedArray(image.data) };
    // Placed centred in the document, as Photopea places a pasted image.
    l.x = Math.floor((doc.width - image.width) / 2);
    l.y = Math.floor((doc.height - image.height) / 2);
    const parent = doc.active ? doc.active.parent : doc;
    const siblings = parent.children;
    const at = doc.active ? siblings.indexOf(doc.active) : 0;
    l.parent = parent;
    siblings.splice(Math.max(0, at), 0, l);
    doc.active = l;
    doc.record('Place');
  }

  #docApi(doc: Doc): object {
    const emu = this;
    const hidden = new Set<string>();
    if (!this.#opts.channels) hidden.add('channels');
    if (!this.#opts.suspendHistory) hidden.add('suspendHistory');
    if (!this.#opts.historyStates) {
      hidden.add('historyStates');
      hidden.add('activeHistoryState');
    }
    class DocumentApi {
      readonly typename = 'Document';
      get width(): number {
        return doc.width;
      }
      get height(): number {
        return doc.height;
      }
      get name(): string {
        return doc.name;
      }
      get layers(): readonly object[] {
        return Object.freeze(doc.children.map((l) => emu.#layerApi(l)));
      }
      get historyStates(): readonly object[] {
        return Object.freeze(['Open', ...doc.history].map((name) => strict({ name }, 'HistoryState')));
      }
      get activeHistoryState(): object {
        return strict({ name: doc.history.at(-1) ?? 'Open' }, 'HistoryState');
      }
      get artLayers(): object {
        return emu.#wrap(doc.artLayersKey, () =>
          strict(
            {
              add(): object {
                const l = new Layer('ArtLayer', `Layer ${doc.layerSerial++}`, doc);
                const parent = doc.active ? doc.active.parent : doc;
                l.parent = parent;
                const at = doc.active ? parent.children.indexOf(doc.active) : 0;
                parent.children.splice(Math.max(0, at), 0, l);
                doc.active = l;
                doc.record('New Layer');
                return emu.#layerApi(l);
              },
            },
            'Document.artLayers',
          ),
        );
      }
      get activeLayer(): object | null {
        return doc.active ? emu.#layerApi(doc.active) : null;
      }
      set activeLayer(api: object | null) {
        const l = allLayers(doc).find((x) => emu.#wrappers.get(x) === api);
        if (!l) throw new TypeError('Document.activeLayer: not a layer of this document (Photopea emulator)');
        doc.active = l;
      }
      get selection(): object {
        return emu.#selectionApi(doc);
      }
      get channels(): object {
        return strict({ add: () => strict(new ChannelApi(), 'Channel') }, 'Document.channels');
      }
      saveToOE(format: unknown): void {
        if (format !== 'png') throw new TypeError(`saveToOE: the emulator only writes "png" (got ${String(format)})`);
        const img = composite(doc);
        emu.#outbox.push(Promise.resolve(emu.#opts.encodePng(img)).then((b) => b.slice().buffer as ArrayBuffer));
      }
      suspendHistory(label: unknown, code: unknown): void {
        if (typeof label !== 'string' || typeof code !== 'string') throw new TypeError('suspendHistory(label, code) takes two strings');
        const outer = doc.suspended;
        doc.suspended = [];
        try {
          emu.evaluate(code);
        } finally {
          doc.suspended = outer;
          doc.record(label);
        }
      }
    }
    return this.#wrap(doc, () => strict(new DocumentApi(), 'Document', hidden));
  }

  #selectionApi(doc: Doc): object {
    const hidden = new Set<string>();
    if (!this.#opts.channels) {
      hidden.add('store');
      hidden.add('load');
    }
    if (!this.#opts.selectRegion) hidden.add('select');
    class SelectionApi {
      get bounds(): UnitValue[] | null {
        const s = doc.selection;
        if (!s) return null;
        let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
        for (let y = 0; y < doc.height; y++) {
          for (let x = 0; x < doc.width; x++) {
            if (s[y * doc.width + x]! > 0) {
              x0 = Math.min(x0, x);
              x1 = Math.max(x1, x);
              y0 = Math.min(y0, y);
              y1 = Math.max(y1, y);
            }
          }
        }
        return x1 < 0 ? null : unitBounds([x0, y0, x1 + 1, y1 + 1]);
      }
      invert(): void {
        const s = doc.selection ?? new Uint8Array(doc.width * doc.height);
        doc.selection = s.map((v) => 255 - v);
        doc.record('Inverse');
      }
      deselect(): void {
        doc.selection = null;
        doc.record('Deselect');
      }
      fill(color: SolidColorApi): void {
        const l = doc.active;
        if (!l || l.kind !== 'ArtLayer') throw new TypeError('Selection.fill: the active layer cannot be filled (Photopea emulator)');
        if (l.smart) throw new TypeError('Selection.fill: a smart object cannot be filled (Photopea emulator)');
        const s = doc.selection;
        if (!s) throw new TypeError('Selection.fill: nothing is selected (Photopea emulator)');
        const img = coverDocument(l, doc);
        const { red, green, blue } = color.rgb;
        for (let y = 0; y < doc.height; y++) {
          for (let x = 0; x < doc.width; x++) {
            const c = s[y * doc.width + x]!;
            if (c > 0) blendPixel(img.data, ((y - l.y) * img.width + (x - l.x)) * 4, red, green, blue, c);
          }
        }
        doc.record('Fill');
      }
      /** Photoshop's `Selection.select(region)`: a new selection of the polygon `points` ([x, y] pairs), pixel centres inside. */
      select(points: unknown): void {
        if (!Array.isArray(points) || points.length < 3 || !points.every((p) => Array.isArray(p) && p.length === 2 && p.every((v) => typeof v === 'number'))) {
          throw new TypeError('Selection.select takes an array of [x, y] points (Photopea emulator)');
        }
        const poly = points as [number, number][];
        const s = new Uint8Array(doc.width * doc.height);
        for (let y = 0; y < doc.height; y++) {
          for (let x = 0; x < doc.width; x++) {
            let inside = false;
            for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
              const [xi, yi] = poly[i]!;
              const [xj, yj] = poly[j]!;
              if (yi > y + 0.5 !== yj > y + 0.5 && x + 0.5 < ((xj - xi) * (y + 0.5 - yi)) / (yj - yi) + xi) inside = !inside;
            }
            if (inside) s[y * doc.width + x] = 255;
          }
        }
        doc.selection = s.some((v) => v > 0) ? s : null;
        doc.record('Rectangle Select');
      }
      store(ch: ChannelApi): void {
        if (!(ch instanceof ChannelApi)) throw new TypeError('Selection.store takes a Channel');
        ch.data = doc.selection ? new Uint8Array(doc.selection) : new Uint8Array(doc.width * doc.height);
      }
      load(ch: ChannelApi): void {
        if (!(ch instanceof ChannelApi) || !ch.data || ch.removed) throw new TypeError('Selection.load takes a stored Channel');
        doc.selection = ch.data.some((v) => v > 0) ? new Uint8Array(ch.data) : null;
        doc.record('Load Selection');
      }
    }
    return this.#wrap(doc.selectionKey, () => strict(new SelectionApi(), 'Selection', hidden));
  }

  #layerApi(layer: Layer): object {
    const emu = this;
    const hidden = new Set<string>(layer.kind === 'ArtLayer' ? ['layers'] : []);
    class LayerApi {
      get typename(): string {
        return layer.kind;
      }
      get name(): string {
        return layer.name;
      }
      set name(v: string) {
        if (typeof v !== 'string') throw new TypeError('Layer.name is a string');
        layer.name = v;
        docOf(layer).record('Rename Layer');
      }
      get visible(): boolean {
        return layer.visible;
      }
      set visible(v: boolean) {
        if (typeof v !== 'boolean') throw new TypeError('Layer.visible is a boolean');
        layer.visible = v;
        docOf(layer).record(v ? 'Show Layer' : 'Hide Layer');
      }
      get bounds(): UnitValue[] {
        return unitBounds(layerBounds(layer)) ?? unitBounds([0, 0, 0, 0])!;
      }
      get parent(): object {
        return layer.parent instanceof Doc ? emu.#docApi(layer.parent) : emu.#layerApi(layer.parent);
      }
      get layers(): readonly object[] {
        return Object.freeze(layer.children.map((l) => emu.#layerApi(l)));
      }
      translate(dx: unknown, dy: unknown): void {
        if (typeof dx !== 'number' || typeof dy !== 'number' || !Number.isFinite(dx) || !Number.isFinite(dy)) {
          throw new TypeError('Layer.translate takes two numbers');
        }
        const doc = docOf(layer);
        const ddx = Math.round(dx);
        const ddy = Math.round(dy);
        if (layer.kind === 'ArtLayer' && doc.selection && layer.image) {
          // Like Photoshop: with a selection, only the selected pixels move.
          const img = coverDocument(layer, doc);
          const moved = new Uint8ClampedArray(img.data.length);
          const s = doc.selection;
          for (let y = 0; y < doc.height; y++) {
            for (let x = 0; x < doc.width; x++) {
              if (s[y * doc.width + x]! < 128) continue;
              const p = ((y - layer.y) * img.width + (x - layer.x)) * 4;
              moved.set(img.data.subarray(p, p + 4), p);
              img.data.fill(0, p, p + 4);
            }
          }
          for (let y = 0; y < img.height; y++) {
            for (let x = 0; x < img.width; x++) {
              const p = (y * img.width + x) * 4;
              if (moved[p + 3] === 0) continue;
              const tx = x + ddx, ty = y + ddy;
              if (tx < 0 || ty < 0 || tx >= img.width || ty >= img.height) continue;
              img.data.set(moved.subarray(p, p + 4), (ty * img.width + tx) * 4);
            }
          }
        } else {
          const move = (l: Layer): void => {
            l.x += ddx;
            l.y += ddy;
            l.children.forEach(move);
          };
          move(layer);
        }
        doc.record('Move');
      }
      remove(): void {
        const doc = docOf(layer);
        const siblings = layer.parent.children;
        const at = siblings.indexOf(layer);
        siblings.splice(at, 1);
        if (doc.active === layer || (doc.active && !allLayers(doc).includes(doc.active))) doc.active = siblings[at] ?? siblings[at - 1] ?? null;
        doc.record('Delete Layer');
      }
      move(relative: object, placement: unknown): void {
        const doc = docOf(layer);
        const rel = allLayers(doc).find((l) => emu.#wrappers.get(l) === relative);
        if (!rel || rel === layer) throw new TypeError('Layer.move: the relative object must be another layer of this document');
        if (placement !== ElementPlacement.PLACEBEFORE && placement !== ElementPlacement.PLACEAFTER) {
          throw new TypeError(`Layer.move: the emulator supports PLACEBEFORE and PLACEAFTER (got ${String(placement)})`);
        }
        layer.parent.children.splice(layer.parent.children.indexOf(layer), 1);
        const list = rel.parent.children;
        list.splice(list.indexOf(rel) + (placement === ElementPlacement.PLACEAFTER ? 1 : 0), 0, layer);
        layer.parent = rel.parent;
        doc.record('Move Layer');
      }
    }
    return this.#wrap(layer, () => strict(new LayerApi(), layer.kind, hidden));
  }
}

/** Base64 of bytes (browser and Node). */
export function toBase64(bytes: Uint8Array | Uint8ClampedArray): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
