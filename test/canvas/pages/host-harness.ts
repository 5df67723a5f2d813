/**
 * A bare page for CanvasHost's browser test: an <img> and a <canvas> of
 * known pixels, CSS-scaled, and a stand-in engine that inverts the red
 * channel under the mask one "step" at a time (and honours cancel).
 */
import { CanvasHost, type EditEngine } from '../../../adapters/canvas';
import type { EditResult } from '../../../core/editor';
import { CancelledError } from '../../../core/errors';
import type { EditRequest, Operation } from '../../../core/pipelines/request';

function drawPicture(c: HTMLCanvasElement): void {
  const g = c.getContext('2d')!;
  const d = g.createImageData(c.width, c.height);
  for (let y = 0; y < c.height; y++) {
    for (let x = 0; x < c.width; x++) d.data.set([x * 3, y * 5, 100, 255], (y * c.width + x) * 4);
  }
  g.putImageData(d, 0, 0);
}

/** Inverts red under the mask after `steps` steps of `ms` each. */
function fakeEngine(steps: number, ms: number): EditEngine {
  return {
    operations: ['inpaint'],
    async edit(operation: Operation, req: EditRequest): Promise<EditResult> {
      for (let s = 1; s <= steps; s++) {
        await new Promise((r) => setTimeout(r, ms));
        if (req.signal?.aborted) throw new CancelledError();
        req.onProgress?.({ type: 'step', step: s, total: steps, elapsedMs: s * ms, etaMs: (steps - s) * ms });
      }
      const images = Array.from({ length: req.count ?? 1 }, (_, v) => {
        const out = { width: req.image.width, height: req.image.height, data: new Uint8ClampedArray(req.image.data) };
        for (let i = 0; i < out.width * out.height; i++) if ((req.mask?.data[i] ?? 1) > 0) out.data[i * 4] = 255 - out.data[i * 4]! - v;
        return out;
      });
      return { images, raw: new Float32Array(0), warnings: [], timings: { unetMs: [], stepMs: [] }, meta: { operation } as EditResult['meta'] };
    },
    dispose() {},
  };
}

const source = document.createElement('canvas');
source.width = 64;
source.height = 48;
drawPicture(source);

const img = document.createElement('img');
img.id = 'photo';
img.alt = 'test picture';
img.style.width = '128px';
img.style.height = '96px';
img.src = source.toDataURL('image/png');

const canvas = document.createElement('canvas');
canvas.id = 'drawing';
canvas.width = 40;
canvas.height = 30;
canvas.style.width = '160px';
canvas.style.height = '120px';
drawPicture(canvas);

const holder = document.createElement('div');
holder.id = 'holder';
holder.append(img, document.createElement('br'), canvas);
document.body.style.margin = '0';
document.body.append(holder);

/** A photo-sized canvas (4000x3000), shown at a tenth of its size. */
function largeCanvas(): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = 4000;
  c.height = 3000;
  c.style.width = '400px';
  c.style.height = '300px';
  const g = c.getContext('2d')!;
  g.fillStyle = '#406080';
  g.fillRect(0, 0, c.width, c.height);
  holder.append(c);
  return c;
}

const events: unknown[][] = [];
let host: CanvasHost | null = null;

declare global {
  interface Window {
    __t: {
      /** `large`: a 4000x3000 canvas shown 400 px wide. */
      attach(target: 'img' | 'canvas' | 'large'): Promise<void>;
      host(): CanvasHost;
      events: unknown[][];
      engine(steps: number, ms: number): EditEngine;
      mask(): number[];
      displayPixel(x: number, y: number): number[];
      png(): Promise<{ type: string; width: number; height: number }>;
    };
  }
}

window.__t = {
  async attach(target) {
    host?.dispose();
    host = new CanvasHost({ brushSize: 4, hardness: 1 });
    for (const type of ['change', 'progress', 'result', 'error', 'busy', 'settings'] as const) {
      host.on(type, (e) => events.push([type, type === 'error' ? { cancelled: (e as { cancelled: boolean }).cancelled } : e]));
    }
    await host.attach(target === 'img' ? img : target === 'large' ? largeCanvas() : canvas);
  },
  host: () => host!,
  events,
  engine: fakeEngine,
  mask: () => Array.from(host!.getMask().data),
  displayPixel(x, y) {
    const c = host!.element!.querySelector('canvas')!;
    const visible = c.hidden || c.tagName !== 'CANVAS' ? (host!.element!.querySelectorAll('canvas')[0] as HTMLCanvasElement) : c;
    return Array.from(visible.getContext('2d')!.getImageData(x, y, 1, 1).data);
  },
  async png() {
    const blob = await host!.exportPng();
    const bitmap = await createImageBitmap(blob);
    return { type: blob.type, width: bitmap.width, height: bitmap.height };
  },
};
