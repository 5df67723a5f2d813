/**
 * A fake Photopea for the Chromium test: served as https://www.photopea.com,
 * it frames the plugin page (`?plugin=URL`) and answers its scripts with the
 * emulator, as Photopea does: an initial "done" when the plugin has loaded,
 * each script's echoes and files then "done", unsolicited pings every ~100
 * ms, and pasted layers that appear a while after "done" (`?openDelay=ms`).
 * The test drives it through `window.__photopea`.
 */
import type { Rect } from '../../core/image';
import { browserDecodePng, encodePng } from '../../adapters/photopea/png';
import { PhotopeaEmulator, toBase64, type DocumentSpec, type LayerSpec } from './emulator';

/** A layer with its pixels as base64 RGBA (what crosses `page.evaluate`). */
export interface WireLayer extends Omit<LayerSpec, 'image' | 'layers'> {
  image?: { width: number; height: number; base64: string };
}

export interface FakePhotopea {
  openDocument(spec: Omit<DocumentSpec, 'layers' | 'selection'> & { layers: WireLayer[] }): void;
  /** Selects a rectangle (coverage 255), replacing the selection. */
  select(rect: Rect | null): void;
  /** Paints a rectangle of the active layer in a colour, as a brush stroke would (one history state). */
  paint(rect: Rect, rgb: [number, number, number]): void;
  snapshot(): ReturnType<PhotopeaEmulator['snapshot']>;
  layers(): Array<{ name: string; smart: boolean; x: number; y: number; width: number; height: number; base64: string }>;
  scriptErrors(): string[];
  scriptCount(): number;
}

const params = new URLSearchParams(location.search);
const emu = new PhotopeaEmulator({
  decodeDataUrl: async (url) => browserDecodePng(await (await fetch(url)).arrayBuffer()),
  encodePng,
  openDelayMs: Number(params.get('openDelay') ?? 300),
  // channels=0 plays a Photopea whose scripts cannot store a selection in a channel.
  channels: params.get('channels') !== '0',
  historyStates: params.get('history') === '1',
});

const iframe = document.createElement('iframe');
iframe.title = 'Stipple plugin';
iframe.src = params.get('plugin') ?? 'about:blank';
iframe.style.cssText = 'width: 420px; height: 1000px; border: 1px solid #888;';
window.addEventListener('message', (e) => {
  if (e.source !== iframe.contentWindow) return;
  void emu.receive(e.data, (reply) => iframe.contentWindow?.postMessage(reply, '*'));
});
iframe.addEventListener('load', () => iframe.contentWindow?.postMessage('done', '*'));
let tick = 0;
setInterval(() => iframe.contentWindow?.postMessage(tick++ % 2 ? 'ping' : { type: 'ping', at: Date.now() }, '*'), 97);
document.body.append(iframe);

const fromBase64 = (s: string): Uint8ClampedArray => Uint8ClampedArray.from(atob(s), (c) => c.charCodeAt(0));

const api: FakePhotopea = {
  openDocument(spec) {
    const layers = (specs: WireLayer[]): LayerSpec[] =>
      specs.map((l) => ({ ...l, image: l.image && { width: l.image.width, height: l.image.height, data: fromBase64(l.image.base64) } }));
    emu.openDocument({ ...spec, layers: layers(spec.layers) });
  },
  select(rect) {
    const d = emu.activeDocument;
    if (!rect) {
      d.selection = null;
      return;
    }
    const s = new Uint8Array(d.width * d.height);
    for (let y = rect.y; y < rect.y + rect.height; y++) s.fill(255, y * d.width + rect.x, y * d.width + rect.x + rect.width);
    d.selection = s;
  },
  paint(rect, rgb) {
    const d = emu.activeDocument;
    const layer = d.active;
    const img = layer?.image;
    if (!layer || !img) throw new Error('paint: the active layer has no pixels');
    for (let y = rect.y; y < rect.y + rect.height; y++) {
      for (let x = rect.x; x < rect.x + rect.width; x++) {
        const lx = x - layer.x;
        const ly = y - layer.y;
        if (lx < 0 || ly < 0 || lx >= img.width || ly >= img.height) continue;
        img.data.set([...rgb, 255], (ly * img.width + lx) * 4);
      }
    }
    d.record('Brush Tool');
  },
  snapshot: () => emu.snapshot(),
  layers: () =>
    emu.layers().map((l) => ({
      name: l.name,
      smart: l.smart,
      x: l.x,
      y: l.y,
      width: l.image?.width ?? 0,
      height: l.image?.height ?? 0,
      base64: l.image ? toBase64(l.image.data) : '',
    })),
  scriptErrors: () => [...emu.scriptErrors],
  scriptCount: () => emu.scripts.length,
};
(window as unknown as { __photopea: FakePhotopea }).__photopea = api;
