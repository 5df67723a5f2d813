/**
 * The active Photopea document, read and written through
 * {@link PhotopeaClient} scripts: its size and selection, its pixels, the
 * selection as a mask, and results added as new layers. Reading never
 * leaves a trace in the document; writing only adds a layer.
 */
import { cropRect, type Mask, type Rect, type RgbaImage, type Size } from '../../core/image';
import { formatSeconds, PhotopeaError, PhotopeaTimeoutError } from './errors';
import { encodePng, pngDataUrl, type PngDecoder } from './png';
import type { PhotopeaClient } from './protocol';
import {
  exportActiveLayerScript,
  exportDocumentScript,
  exportSelectionMaskScript,
  infoScript,
  openLayerScript,
  parseEchoes,
  placeLayerScript,
  revisionScript,
  scriptFailure,
  type DocumentInfo,
} from './script';

export type { DocumentInfo } from './script';

export interface PhotopeaDocumentOptions {
  /** PNG bytes to pixels (the browser's `browserDecodePng` in the plugin; pngjs in Node tests). */
  decodePng: PngDecoder;
  /** Pixels to PNG bytes (default: the exact encoder of `png.ts`). */
  encodePng?: (image: RgbaImage) => Promise<Uint8Array>;
  /** Time for a script that exports pixels (default 120 s: large documents take a while). */
  exportTimeoutMs?: number;
  /** Time for Photopea to create a pasted layer (default 30 s). */
  layerTimeoutMs?: number;
  /** Interval between checks for the pasted layer (default 150 ms). */
  pollMs?: number;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** Where to read pixels from. */
export interface ReadOptions {
  /** Only this rectangle of the document (whole px inside it); default: all of it. */
  region?: Rect;
}

/** A layer {@link PhotopeaDocument.addResultLayer} added. */
export interface PlacedLayer {
  name: string;
  /** Its bounds in the document after the move. */
  bounds: Rect;
  /** False when Photopea had to drop the selection to move the layer (no scriptable channels). */
  selectionKept: boolean;
}

export class PhotopeaDocument {
  readonly #client: PhotopeaClient;
  readonly #decode: PngDecoder;
  readonly #encode: (image: RgbaImage) => Promise<Uint8Array>;
  readonly #exportTimeoutMs: number;
  readonly #layerTimeoutMs: number;
  readonly #pollMs: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => number;

  constructor(client: PhotopeaClient, options: PhotopeaDocumentOptions) {
    this.#client = client;
    this.#decode = options.decodePng;
    this.#encode = options.encodePng ?? encodePng;
    this.#exportTimeoutMs = options.exportTimeoutMs ?? 120_000;
    this.#layerTimeoutMs = options.layerTimeoutMs ?? 30_000;
    this.#pollMs = options.pollMs ?? 150;
    this.#sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.#now = options.now ?? (() => Date.now());
  }

  /**
   * Size, selection bounds, layer count and names of the active document.
   *
   * @throws {PhotopeaError} `NO_DOCUMENT` when none is open.
   */
  async info(): Promise<DocumentInfo> {
    const echoes = await this.#exec(infoScript());
    const info = echoes.get('info')?.[0];
    if (info === null) throw noDocument();
    if (!isInfo(info)) throw protocolError('the document information');
    return info;
  }

  /**
   * A cheap fingerprint of the document (size, selection, layers, history
   * state; no pixels), or null when no document is open: live mode polls it
   * and reads pixels only when it changes.
   */
  async revision(): Promise<string | null> {
    const echoes = await this.#exec(revisionScript());
    const revision = echoes.get('revision')?.[0];
    if (revision === null) return null;
    if (typeof revision !== 'object' || revision === undefined) throw protocolError('the document revision');
    return JSON.stringify(revision);
  }

  /** The document's width and height in px. */
  async size(): Promise<Size> {
    const { width, height } = await this.info();
    return { width, height };
  }

  /**
   * The selection's bounds clipped to the document, in whole px (rounded
   * outward), or null when nothing is selected (or only outside the document).
   */
  async selectionBounds(): Promise<Rect | null> {
    return selectionRect(await this.info());
  }

  /**
   * The document as shown (all visible layers), or with `layer: true` the
   * active layer alone, as RGBA; only `region` when given.
   */
  async readImage(options: ReadOptions & { layer?: boolean } = {}): Promise<RgbaImage> {
    const script = options.layer ? exportActiveLayerScript() : exportDocumentScript();
    const png = await this.#exportPng(script, 'the document');
    return this.#decode(png, options.region);
  }

  /**
   * The selection as a mask (coverage in [0, 1], feathering kept), through
   * a temporary layer that is deleted again: afterwards the document has the
   * same layers, visibilities, active layer and selection as before.
   *
   * @throws {PhotopeaError} `NO_SELECTION` when nothing is selected.
   */
  async readSelectionMask(options: ReadOptions = {}): Promise<Mask> {
    const png = await this.#exportPng(exportSelectionMaskScript(), 'the selection');
    return maskFromSelectionImage(await this.#decode(png, options.region));
  }

  /**
   * Adds `image` as a new layer named `name` with its top-left corner at
   * (`x`, `y`): `app.open` pastes it, the layer appears a moment later
   * (Photopea loads it after answering), then it is moved and named. No
   * existing layer is changed.
   *
   * @throws {PhotopeaTimeoutError} when the layer does not appear in time.
   */
  async addResultLayer(image: RgbaImage, placement: { name: string; x: number; y: number; reselect?: Rect | null }): Promise<PlacedLayer> {
    const url = pngDataUrl(await this.#encode(image));
    const opened = await this.#exec(openLayerScript(url), this.#exportTimeoutMs);
    const before = (opened.get('open')?.[0] as { layers?: unknown } | undefined)?.layers;
    if (typeof before !== 'number') throw protocolError('the layer count');
    const deadline = this.#now() + this.#layerTimeoutMs;
    const place = placeLayerScript({
      before,
      x: placement.x,
      y: placement.y,
      width: image.width,
      height: image.height,
      name: placement.name,
      reselect: placement.reselect ?? null,
    });
    for (;;) {
      await this.#sleep(this.#pollMs);
      const echoes = await this.#exec(place);
      const r = echoes.get('place')?.[0] as { loaded?: boolean; bounds?: Rect; selectionKept?: boolean } | undefined;
      if (!r || typeof r.loaded !== 'boolean') throw protocolError('the new layer');
      if (r.loaded) {
        if (!r.bounds) throw protocolError('the new layer');
        return { name: placement.name, bounds: r.bounds, selectionKept: r.selectionKept !== false };
      }
      if (this.#now() >= deadline) {
        throw new PhotopeaTimeoutError(
          `Photopea did not add the result layer within ${formatSeconds(this.#layerTimeoutMs)}. Nothing else was changed; try Apply again.`,
          this.#layerTimeoutMs,
        );
      }
    }
  }

  async #exportPng(script: string, what: string): Promise<ArrayBuffer> {
    const reply = await this.#client.run(script, { timeoutMs: this.#exportTimeoutMs });
    this.#check(parseEchoes(reply.strings));
    const png = reply.buffers[0];
    if (!png) throw protocolError(what);
    return png;
  }

  async #exec(script: string, timeoutMs?: number): Promise<Map<string, unknown[]>> {
    const reply = await this.#client.run(script, timeoutMs === undefined ? {} : { timeoutMs });
    const echoes = parseEchoes(reply.strings);
    this.#check(echoes);
    return echoes;
  }

  #check(echoes: Map<string, unknown[]>): void {
    const failure = scriptFailure(echoes);
    if (!failure) return;
    switch (failure.code) {
      case 'NO_DOCUMENT':
        throw noDocument();
      case 'NO_SELECTION':
        throw new PhotopeaError('NO_SELECTION', 'Nothing is selected in Photopea: select the area to change first.');
      case 'NEW_LAYER_NOT_FOUND':
        throw new PhotopeaError(
          'SCRIPT',
          'Photopea pasted the result, but Stipple could not find the new layer to move it (was another layer picked meanwhile?). Nothing else was changed.',
          { detail: failure.message },
        );
      default:
        throw new PhotopeaError('SCRIPT', `Photopea could not run Stipple's script: ${failure.message}`, { detail: failure.message });
    }
  }
}

/** The selection's bounds clipped to the document, in whole px, or null. */
export function selectionRect(info: DocumentInfo): Rect | null {
  if (!info.selection) return null;
  const r = cropRect(info.selection, info);
  return r.width > 0 && r.height > 0 ? r : null;
}

/**
 * The mask of a selection exported by the temporary-layer trick: white
 * inside, black outside, transparent where no fill reached. Coverage is
 * luminance x alpha, which is the selection's own coverage for a feathered
 * edge too (white over black, each weighted by its coverage).
 */
export function maskFromSelectionImage(img: RgbaImage): Mask {
  const n = img.width * img.height;
  const out = new Float32Array(n);
  const d = img.data;
  for (let i = 0; i < n; i++) {
    const p = i * 4;
    const level = (d[p]! * 19595 + d[p + 1]! * 38470 + d[p + 2]! * 7471 + 0x8000) >>> 16;
    out[i] = (level * d[p + 3]!) / 65025;
  }
  return { width: img.width, height: img.height, data: out };
}

function noDocument(): PhotopeaError {
  return new PhotopeaError('NO_DOCUMENT', 'No document is open in Photopea: open an image (File > Open) and try again.');
}

function protocolError(what: string): PhotopeaError {
  return new PhotopeaError('PROTOCOL', `Photopea did not send ${what} Stipple asked for. Reload the plugin panel and try again.`);
}

function isInfo(x: unknown): x is DocumentInfo {
  if (x === null || typeof x !== 'object') return false;
  const i = x as Record<string, unknown>;
  const sel = i['selection'];
  const selOk =
    sel === null ||
    (typeof sel === 'object' && ['x', 'y', 'width', 'height'].every((k) => Number.isFinite((sel as Record<string, unknown>)[k])));
  return Number.isInteger(i['width']) && Number.isInteger(i['height']) && Number.isInteger(i['layers']) && selOk;
}
