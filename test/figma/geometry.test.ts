/**
 * Figma geometry without Figma: transforms, export scale, Figma's 4096 px
 * limit, PNG headers, and the panel's resampling of exports into the
 * layer's own frame (rotation included) and of mask layers into a mask.
 */
import { describe, expect, it } from 'vitest';
import type { Transform } from '../../adapters/figma/api';
import {
  apply,
  chooseExportScale,
  exportSize,
  fitWithin,
  intersection,
  invert,
  multiply,
  pngSize,
  relativeTransformIn,
  transformedBounds,
} from '../../adapters/figma/geometry';
import { maskFromLayers, toLocalFrame, type LocalFrame } from '../../adapters/figma/pixels';
import type { RgbaImage } from '../../core/image';
import { encodePng, gradient } from './fake-figma';

const rot = (deg: number, x = 0, y = 0): Transform => {
  const r = (deg * Math.PI) / 180;
  return [
    [Math.cos(r), Math.sin(r), x],
    [-Math.sin(r), Math.cos(r), y],
  ];
};

const close = (a: Transform, b: Transform): void => {
  for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) expect(a[i]![j]).toBeCloseTo(b[i]![j]!, 9);
};

describe('transforms', () => {
  it('multiplies, inverts and applies in Figma’s [[a, c, tx], [b, d, ty]] layout', () => {
    const t = rot(30, 10, 20);
    close(multiply(t, invert(t)), [
      [1, 0, 0],
      [0, 1, 0],
    ]);
    const [x, y] = apply(t, 5, 0);
    expect(x).toBeCloseTo(10 + 5 * Math.cos(Math.PI / 6), 9);
    expect(y).toBeCloseTo(20 - 5 * Math.sin(Math.PI / 6), 9);
    expect(() => invert([[0, 0, 1], [0, 0, 1]])).toThrow(/cannot be inverted/);
  });

  it('bounds a rotated rectangle', () => {
    const b = transformedBounds(rot(90, 100, 100), 40, 20);
    // +90° in Figma turns the x axis up the screen.
    expect(b.x).toBeCloseTo(100, 9);
    expect(b.y).toBeCloseTo(60, 9);
    expect(b.width).toBeCloseTo(20, 9);
    expect(b.height).toBeCloseTo(40, 9);
  });

  it('intersects boxes (touching edges do not overlap)', () => {
    expect(intersection({ x: 0, y: 0, width: 10, height: 10 }, { x: 5, y: 5, width: 10, height: 10 })).toEqual({ x: 5, y: 5, width: 5, height: 5 });
    expect(intersection({ x: 0, y: 0, width: 10, height: 10 }, { x: 10, y: 0, width: 5, height: 5 })).toBeNull();
  });

  it('re-expresses a page transform in another container', () => {
    const frame = rot(0, 50, 50);
    const abs = rot(45, 80, 90);
    close(multiply(frame, relativeTransformIn(frame, abs)), abs);
    close(relativeTransformIn(null, abs), abs);
  });
});

describe('export scale', () => {
  const box = (w: number, h: number) => ({ width: w, height: h });

  it('scales small layers up to the model’s working area', () => {
    const s = chooseExportScale({ width: 64, height: 64, box: box(64, 64), targetPixels: 512 * 512 });
    expect(s.scale).toBe(8);
    expect(s.limited).toBe(false);
  });

  it('never reads coarser than the layer (1x) or its image file', () => {
    expect(chooseExportScale({ width: 2000, height: 1000, box: box(2000, 1000), targetPixels: 512 * 512 }).scale).toBe(1);
    expect(chooseExportScale({ width: 100, height: 100, box: box(100, 100), targetPixels: 64 * 64, density: 4 }).scale).toBe(4);
  });

  it('keeps the exported box within 4096 px and says so', () => {
    const s = chooseExportScale({ width: 3000, height: 1000, box: box(3000, 1000), density: 2 });
    expect(s.limited).toBe(true);
    expect(s.wanted).toBe(2);
    const size = exportSize(box(3000, 1000), s.scale);
    expect(size.width).toBeLessThanOrEqual(4096);
    expect(size.width).toBeGreaterThan(4090);
  });

  it('limits by the rotated bounding box, not the layer', () => {
    const s = chooseExportScale({ width: 4000, height: 10, box: box(2835, 2835), scale: 2 });
    expect(exportSize(box(2835, 2835), s.scale).width).toBeLessThanOrEqual(4096);
  });

  it('fits results within 4096 px', () => {
    expect(fitWithin(5000, 2500)).toEqual({ width: 4096, height: 2048, scaled: true });
    expect(fitWithin(4096, 10)).toEqual({ width: 4096, height: 10, scaled: false });
  });
});

describe('pngSize', () => {
  it('reads the IHDR of a PNG and refuses anything else', () => {
    expect(pngSize(encodePng(gradient(37, 5)))).toEqual({ width: 37, height: 5 });
    expect(pngSize(new Uint8Array(30))).toBeNull();
    expect(pngSize(new Uint8Array([0x89, 0x50]))).toBeNull();
  });
});

describe('toLocalFrame', () => {
  it('copies an unrotated export exactly', () => {
    const img = gradient(40, 20);
    const frame: LocalFrame = { transform: rot(0, 7, 9), width: 20, height: 10, pixelWidth: 40, pixelHeight: 20 };
    const out = toLocalFrame({ image: img, box: { x: 7, y: 9, width: 20, height: 10 } }, frame);
    expect(Buffer.compare(Buffer.from(out.data), Buffer.from(img.data))).toBe(0);
  });

  it('un-rotates a rotated layer’s export (90°: an exact pixel permutation)', () => {
    // The layer's own pixels, and what Figma's export of it rotated by 90° looks like.
    const local = gradient(6, 4);
    const t = rot(90, 0, 6);
    const box = transformedBounds(t, 6, 4);
    expect(box).toMatchObject({ width: 4, height: 6 });
    const exported: RgbaImage = { width: 4, height: 6, data: new Uint8ClampedArray(4 * 6 * 4) };
    const inv = invert(t);
    for (let j = 0; j < 6; j++) {
      for (let i = 0; i < 4; i++) {
        const [lx, ly] = apply(inv, box.x + i + 0.5, box.y + j + 0.5);
        const src = (Math.floor(ly) * 6 + Math.floor(lx)) * 4;
        exported.data.set(local.data.subarray(src, src + 4), (j * 4 + i) * 4);
      }
    }
    const out = toLocalFrame({ image: exported, box }, { transform: t, width: 6, height: 4, pixelWidth: 6, pixelHeight: 4 });
    expect(Array.from(out.data)).toEqual(Array.from(local.data));
  });
});

describe('maskFromLayers', () => {
  const frame: LocalFrame = { transform: rot(0, 100, 100), width: 10, height: 10, pixelWidth: 10, pixelHeight: 10 };
  const square = (w: number, h: number, alpha: number): RgbaImage => {
    const img = gradient(w, h);
    for (let i = 3; i < img.data.length; i += 4) img.data[i] = alpha;
    return img;
  };

  it('places a mask layer where it sits on the page', () => {
    const m = maskFromLayers([{ image: square(4, 4, 255), box: { x: 103, y: 105, width: 4, height: 4 } }], frame);
    expect(m.coverage).toBeCloseTo(16 / 100, 9);
    expect(m.mask.data[5 * 10 + 3]).toBe(1);
    expect(m.mask.data[4 * 10 + 3]).toBe(0);
    expect(m.mask.data[8 * 10 + 6]).toBe(1);
    expect(m.mask.data[9 * 10 + 7]).toBe(0);
  });

  it('counts a translucent mask shape in full (threshold at half the strongest alpha)', () => {
    const m = maskFromLayers([{ image: square(10, 10, 100), box: { x: 100, y: 100, width: 10, height: 10 } }], frame);
    expect(m.coverage).toBe(1);
    expect(m.threshold).toBe(50);
  });

  it('merges several layers and is empty when none covers the frame', () => {
    const two = maskFromLayers(
      [
        { image: square(2, 2, 255), box: { x: 100, y: 100, width: 2, height: 2 } },
        { image: square(2, 2, 255), box: { x: 108, y: 108, width: 2, height: 2 } },
      ],
      frame,
    );
    expect(two.coverage).toBeCloseTo(8 / 100, 9);
    const none = maskFromLayers([{ image: square(2, 2, 255), box: { x: 0, y: 0, width: 2, height: 2 } }], frame);
    expect(none.coverage).toBe(0);
  });
});
