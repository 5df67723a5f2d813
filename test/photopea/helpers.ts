/**
 * Node wiring for the Photopea tests: the emulator behind a fake parent
 * window, PNG coding through pngjs, and small images.
 */
import { cropRgba, type Rect, type RgbaImage } from '../../core/image';
import { decodePng, encodePng } from '../../core/image/png-node';
import { PhotopeaClient, type PhotopeaClientOptions, type PhotopeaMessageEvent } from '../../adapters/photopea/protocol';
import { PhotopeaDocument, type PhotopeaDocumentOptions } from '../../adapters/photopea/document';
import { PhotopeaEmulator, type EmulatorOptions } from './emulator';

export const PHOTOPEA = 'https://www.photopea.com';

/** pngjs behind the adapter's decoder interface (crops after decoding). */
export async function nodeDecodePng(png: ArrayBuffer, crop?: Rect): Promise<RgbaImage> {
  const img = decodePng(new Uint8Array(png));
  return crop ? cropRgba(img, crop) : img;
}

export function decodeDataUrl(url: string): Promise<RgbaImage> {
  const m = /^data:image\/png;base64,(.*)$/.exec(url);
  if (!m) return Promise.reject(new Error('not a PNG data URL'));
  return Promise.resolve(decodePng(new Uint8Array(Buffer.from(m[1]!, 'base64'))));
}

export function emulator(options: Partial<EmulatorOptions> = {}): PhotopeaEmulator {
  return new PhotopeaEmulator({ decodeDataUrl, encodePng, openDelayMs: 5, ...options });
}

/** A fake `window.parent` / `window` pair; messages take a macrotask, like postMessage. */
export function fakeWindows() {
  const listeners = new Set<(e: PhotopeaMessageEvent) => void>();
  const sent: Array<{ message: unknown; origin: string }> = [];
  let onPost: (message: unknown) => void = () => undefined;
  const parent = {
    postMessage(message: unknown, targetOrigin: string) {
      sent.push({ message, origin: targetOrigin });
      onPost(message);
    },
  };
  const events = {
    addEventListener: (_: 'message', l: (e: PhotopeaMessageEvent) => void) => void listeners.add(l),
    removeEventListener: (_: 'message', l: (e: PhotopeaMessageEvent) => void) => void listeners.delete(l),
  };
  const deliver = (data: unknown, origin = PHOTOPEA, source: unknown = parent): void => {
    setTimeout(() => {
      for (const l of [...listeners]) l({ data, origin, source });
    }, 0);
  };
  return {
    parent,
    events,
    sent,
    deliver,
    listeners,
    /** What happens to each posted message. */
    onPost(fn: (message: unknown) => void) {
      onPost = fn;
    },
  };
}

/** The emulator answering a client, with the initial "done". */
export function connect(
  emu: PhotopeaEmulator,
  options: PhotopeaClientOptions = {},
  docOptions: Partial<PhotopeaDocumentOptions> = {},
) {
  const w = fakeWindows();
  w.onPost((message) => void emu.receive(message, (reply) => w.deliver(reply)));
  const client = new PhotopeaClient(w.parent, w.events, { probeAfterMs: 50, ...options });
  w.deliver('done');
  const doc = new PhotopeaDocument(client, { decodePng: nodeDecodePng, pollMs: 5, ...docOptions });
  return { ...w, client, doc };
}

/** A w x h image, opaque, with a deterministic pattern. */
export function pattern(width: number, height: number, seed = 1): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      data[p] = (x * 7 + seed * 31) & 255;
      data[p + 1] = (y * 5 + seed * 17) & 255;
      data[p + 2] = ((x ^ y) * 3 + seed) & 255;
      data[p + 3] = 255;
    }
  }
  return { width, height, data };
}

/** A rectangular selection (coverage 255) of a w x h document. */
export function rectSelection(width: number, height: number, r: Rect, value = 255): Uint8Array {
  const s = new Uint8Array(width * height);
  for (let y = r.y; y < r.y + r.height; y++) s.fill(value, y * width + r.x, y * width + r.x + r.width);
  return s;
}
