/**
 * CanvasDocument: the canvas host's state without a DOM. Strokes, masks,
 * pending results, before/after, applying results as layers, undo/redo.
 */
import { describe, expect, it } from 'vitest';
import { CanvasDocument, type DocumentChange } from '../../adapters/canvas/document';
import { createRgba, InvalidInputError, type RgbaImage } from '../../core/image';

function picture(w = 32, h = 24): RgbaImage {
  const img = createRgba(w, h);
  for (let i = 0; i < w * h; i++) img.data.set([i & 255, (i * 3) & 255, 200, 255], i * 4);
  return img;
}
const solid = (w: number, h: number, v: number): RgbaImage => createRgba(w, h, [v, v, v, 255]);
const total = (d: Float32Array): number => d.reduce((a, b) => a + b, 0);

describe('CanvasDocument mask', () => {
  it('records a whole stroke as one undoable change and reports dirty rects', () => {
    const doc = new CanvasDocument(picture());
    const changes: DocumentChange[] = [];
    doc.on('change', (c) => changes.push(c));
    doc.beginStroke('paint', { size: 6, hardness: 1 }, { x: 5, y: 5 });
    doc.strokeTo({ x: 15, y: 5 });
    doc.strokeTo({ x: 25, y: 10 });
    expect(doc.stroking).toBe(true);
    expect(doc.canUndo).toBe(false); // not until the stroke ends
    doc.endStroke();
    const painted = new Float32Array(doc.mask.data);
    expect(total(painted)).toBeGreaterThan(100);
    expect(doc.history.length).toBe(1);
    expect(doc.history.undoLabel).toBe('Brush stroke');
    const maskChanges = changes.filter((c) => c.kinds.includes('mask'));
    expect(maskChanges.length).toBe(3);
    for (const c of maskChanges) expect(c.rect!.width).toBeGreaterThan(0);
    expect(changes.at(-1)!.kinds).toContain('history');

    expect(doc.undo()).toBe(true);
    expect(total(doc.mask.data)).toBe(0);
    expect(doc.redo()).toBe(true);
    expect(Array.from(doc.mask.data)).toEqual(Array.from(painted));
  });

  it('erases, and a cancelled stroke leaves no trace', () => {
    const doc = new CanvasDocument(picture());
    doc.fillMask();
    doc.beginStroke('erase', { size: 8, hardness: 1 }, { x: 16, y: 12 });
    expect(doc.mask.data[12 * 32 + 16]).toBe(0);
    doc.cancelStroke();
    expect(total(doc.mask.data)).toBe(32 * 24);
    expect(doc.history.length).toBe(1);
    doc.beginStroke('erase', { size: 8, hardness: 1 }, { x: 16, y: 12 });
    doc.endStroke();
    expect(doc.history.undoLabel).toBe('Eraser stroke');
    expect(total(doc.mask.data)).toBeLessThan(32 * 24 - 40);
  });

  it('does not record changes that change nothing', () => {
    const doc = new CanvasDocument(picture());
    expect(doc.clearMask()).toBe(false);
    doc.beginStroke('erase', { size: 8, hardness: 1 }, { x: 3, y: 3 });
    doc.endStroke();
    expect(doc.history.length).toBe(0);
    expect(doc.paintRect({ x: 3, y: 3 }, { x: 3, y: 30 })).toBe(false);
  });

  it('paints rectangles, inverts, clears and sets masks, all undoable', () => {
    const doc = new CanvasDocument(picture(10, 10));
    expect(doc.paintRect({ x: 2, y: 2 }, { x: 6, y: 5 })).toBe(true);
    expect(total(doc.mask.data)).toBe(12);
    doc.invertMask();
    expect(total(doc.mask.data)).toBe(88);
    doc.clearMask();
    expect(total(doc.mask.data)).toBe(0);
    // a mask of another size is resized; values are clamped
    doc.setMask({ width: 5, height: 5, data: new Float32Array(25).fill(2) });
    expect(total(doc.mask.data)).toBe(100);
    expect(doc.history.undoLabel).toBe('Set mask');
    doc.undo();
    expect(total(doc.mask.data)).toBe(0);
    doc.undo();
    expect(total(doc.mask.data)).toBe(88);
    doc.undo();
    expect(total(doc.mask.data)).toBe(12);
    doc.undo();
    expect(total(doc.mask.data)).toBe(0);
    expect(doc.canUndo).toBe(false);
  });
});

describe('CanvasDocument results and layers', () => {
  it('shows pending results with variants and a before/after view, without touching the document', () => {
    const doc = new CanvasDocument(picture(4, 4));
    const [a, b] = [solid(4, 4, 10), solid(4, 4, 20)];
    doc.setResults({ images: [a, b], operation: 'sdedit' });
    expect(doc.results!.images.length).toBe(2);
    expect(doc.results!.base).toBe(doc.original);
    expect(doc.displayed).toBe(a);
    expect(doc.image).toBe(doc.original);
    doc.selectVariant(1);
    expect(doc.displayed).toBe(b);
    expect(doc.toggleView()).toBe('before');
    expect(doc.displayed).toBe(doc.original);
    doc.selectVariant(0); // picking a variant shows it
    expect(doc.view).toBe('after');
    expect(doc.displayed).toBe(a);
    doc.discardResults();
    expect(doc.results).toBeNull();
    expect(doc.displayed).toBe(doc.original);
    expect(doc.history.length).toBe(0);
  });

  it('applies a result as an undoable layer; the original is never modified', () => {
    const original = picture(4, 4);
    const doc = new CanvasDocument(original);
    const originalBytes = Array.from(doc.original.data);
    doc.setResults({ images: [solid(4, 4, 10), solid(4, 4, 20)], operation: 'inpaint' });
    doc.selectVariant(1);
    const layer = doc.applyResult();
    expect(layer.label).toBe('inpaint (variant 2)');
    expect(doc.layers).toEqual([layer]);
    expect(doc.image.data[0]).toBe(20);
    expect(doc.results).toBeNull();
    expect(Array.from(doc.original.data)).toEqual(originalBytes);
    expect(doc.history.undoLabel).toBe('Apply inpaint (variant 2)');

    doc.undo();
    expect(doc.layers.length).toBe(0);
    expect(doc.image).toBe(doc.original);
    expect(doc.results!.images.length).toBe(2); // the variants come back
    expect(doc.selected).toBe(1);
    doc.redo();
    expect(doc.image.data[0]).toBe(20);

    // a second edit stacks on top
    doc.setResults({ images: [solid(4, 4, 99)] });
    expect(doc.results!.base.data[0]).toBe(20);
    doc.applyResult(0);
    expect(doc.layers.length).toBe(2);
    expect(doc.image.data[0]).toBe(99);
    doc.undo();
    doc.undo();
    expect(doc.image).toBe(doc.original);
  });

  it('interleaves mask and layer changes in one history', () => {
    const doc = new CanvasDocument(picture(8, 8));
    doc.paintRect({ x: 0, y: 0 }, { x: 4, y: 4 });
    doc.setResults({ images: [solid(8, 8, 5)] });
    doc.applyResult();
    doc.invertMask();
    doc.undo(); // invert
    expect(total(doc.mask.data)).toBe(16);
    doc.undo(); // apply
    expect(doc.layers.length).toBe(0);
    doc.undo(); // rectangle
    expect(total(doc.mask.data)).toBe(0);
  });

  it('refuses results of another size, empty results, and applying nothing', () => {
    const doc = new CanvasDocument(picture(4, 4));
    expect(() => doc.setResults({ images: [solid(5, 4, 1)] })).toThrow(InvalidInputError);
    expect(() => doc.setResults({ images: [] })).toThrow(InvalidInputError);
    expect(() => doc.applyResult()).toThrow(/no result to apply/);
  });
});
