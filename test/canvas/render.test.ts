import { describe, expect, it } from 'vitest';
import { DEFAULT_OVERLAY, parseColor, renderMaskOverlay, toImagePoint } from '../../adapters/canvas/render';

describe('mask overlay', () => {
  it('tints every pixel of the rect with alpha = coverage x opacity', () => {
    const mask = { width: 3, height: 2, data: new Float32Array([0, 0.5, 1, 2, -1, NaN]) };
    const out = new Uint8ClampedArray(3 * 2 * 4);
    renderMaskOverlay(mask, out, { x: 0, y: 0, width: 3, height: 2 }, { color: [10, 20, 30], opacity: 0.8 });
    expect(Array.from(out.slice(0, 4))).toEqual([10, 20, 30, 0]);
    expect(out[7]).toBe(102);
    expect(out[11]).toBe(204);
    expect(out[15]).toBe(204); // clamped
    expect(out[19]).toBe(0);
    expect(out[23]).toBe(0);
  });

  it('touches only the given rect', () => {
    const mask = { width: 4, height: 4, data: new Float32Array(16).fill(1) };
    const out = new Uint8ClampedArray(64);
    renderMaskOverlay(mask, out, { x: 1, y: 1, width: 2, height: 1 });
    const touched = [];
    for (let i = 0; i < 16; i++) if (out[i * 4 + 3]) touched.push(i);
    expect(touched).toEqual([5, 6]);
    expect(out[5 * 4]).toBe(DEFAULT_OVERLAY.color[0]);
  });

  it('parses colours', () => {
    expect(parseColor('#f09')).toEqual([255, 0, 153]);
    expect(parseColor(' #FF0090 ')).toEqual([255, 0, 144]);
    expect(parseColor('rgb(1, 2, 3)')).toEqual([1, 2, 3]);
    expect(parseColor('rgba(1,2,3,0.5)')).toEqual([1, 2, 3]);
    expect(parseColor('rgb(1, 2, 300)')).toBeUndefined();
    expect(parseColor('red')).toBeUndefined();
  });

  it('maps CSS px to image px', () => {
    expect(toImagePoint(50, 25, { width: 100, height: 50 }, { width: 256, height: 128 })).toEqual({ x: 128, y: 64 });
    expect(toImagePoint(5, 6, { width: 0, height: 0 }, { width: 10, height: 10 })).toEqual({ x: 5, y: 6 });
  });
});
