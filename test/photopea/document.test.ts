/**
 * PhotopeaDocument and the edit flow against the emulated Photopea, over
 * the real reply protocol (initial "done", pings, late layer creation), in
 * Node; the engine is the fixture inpainting model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEditor, type Editor } from '../../core/editor';
import { cropRgba, type RgbaImage } from '../../core/image';
import { decodePng } from '../../core/image/png-node';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { applyEdit, editDocument, planEdit, resultLayer, resultLayerName, type EditEngine, type PhotopeaEdit } from '../../adapters/photopea/run';
import { isPhotopeaError, NoSelectionError, PhotopeaTimeoutError } from '../../adapters/photopea/errors';
import { encodePng, pngDataUrl } from '../../adapters/photopea/png';
import type { DocumentInfo } from '../../adapters/photopea/script';
import { connect, emulator, pattern, rectSelection } from './helpers';
import type { PhotopeaEmulator } from './emulator';

const FIXTURE = new URL('../fixtures/tiny-sd/sd-inpaint', import.meta.url).pathname;

function same(a: RgbaImage, b: RgbaImage): boolean {
  return a.width === b.width && a.height === b.height && Buffer.from(a.data).equals(Buffer.from(b.data));
}

function twoLayerDoc(emu: PhotopeaEmulator, w = 48, h = 40, selection: Uint8Array | null = rectSelection(48, 40, { x: 10, y: 8, width: 16, height: 12 })): void {
  emu.openDocument({
    width: w,
    height: h,
    layers: [
      { name: 'Sticker', image: pattern(10, 10, 5), x: 30, y: 24 },
      { name: 'Photo', image: pattern(w, h, 1) },
    ],
    selection,
    active: [1],
  });
}

describe('encodePng', () => {
  it('is exact (pngjs reads back the same bytes), alpha included', async () => {
    const img = pattern(37, 11, 2);
    for (let i = 3; i < img.data.length; i += 16) img.data[i] = i % 256;
    expect(same(decodePng(await encodePng(img)), img)).toBe(true);
    expect(pngDataUrl(await encodePng(img))).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
  });
});

describe('PhotopeaDocument', () => {
  it('reads size, selection bounds, pixels and the selection mask, and leaves the document as it was', async () => {
    const emu = emulator();
    twoLayerDoc(emu);
    const { doc, deliver } = connect(emu);
    const before = emu.snapshot();
    const ping = setInterval(() => deliver('ping'), 1);
    try {
      expect(await doc.size()).toEqual({ width: 48, height: 40 });
      expect(await doc.selectionBounds()).toEqual({ x: 10, y: 8, width: 16, height: 12 });
      expect(same(await doc.readImage(), emu.composite())).toBe(true);
      const region = { x: 5, y: 4, width: 30, height: 20 };
      expect(same(await doc.readImage({ region }), cropRgba(emu.composite(), region))).toBe(true);
      const mask = await doc.readSelectionMask({ region });
      expect(mask.width).toBe(30);
      let inside = 0;
      for (let y = 0; y < 20; y++) {
        for (let x = 0; x < 30; x++) {
          const sel = x + 5 >= 10 && x + 5 < 26 && y + 4 >= 8 && y + 4 < 20;
          expect(mask.data[y * 30 + x]).toBe(sel ? 1 : 0);
          if (sel) inside++;
        }
      }
      expect(inside).toBe(16 * 12);
      const layer = await doc.readImage({ layer: true });
      expect(same(layer, pattern(48, 40, 1))).toBe(true); // the active layer alone: no sticker
    } finally {
      clearInterval(ping);
    }
    expect(emu.snapshot()).toEqual(before);
  });

  it('says when no document is open, and when nothing is selected', async () => {
    const emu = emulator();
    const { doc } = connect(emu);
    const e1 = await doc.info().catch((e: unknown) => e);
    expect(isPhotopeaError(e1, 'NO_DOCUMENT')).toBe(true);
    expect((e1 as Error).message).toBe('No document is open in Photopea: open an image (File > Open) and try again.');
    expect(isPhotopeaError(await doc.readImage().catch((e: unknown) => e), 'NO_DOCUMENT')).toBe(true);
    twoLayerDoc(emu, 48, 40, null);
    expect(await doc.selectionBounds()).toBeNull();
    expect(isPhotopeaError(await doc.readSelectionMask().catch((e: unknown) => e), 'NO_SELECTION')).toBe(true);
  });

  it('adds a layer that Photopea creates late, positioned and named; nothing else changes', async () => {
    const emu = emulator({ openDelayMs: 60 });
    twoLayerDoc(emu);
    const { doc } = connect(emu);
    const before = emu.snapshot();
    const img = pattern(7, 5, 9);
    const placed = await doc.addResultLayer(img, { name: 'Result "1"', x: 3, y: 30 });
    expect(placed).toEqual({ name: 'Result "1"', bounds: { x: 3, y: 30, width: 7, height: 5 }, selectionKept: true });
    const after = emu.snapshot();
    expect(after.layers.map((l) => l.name)).toEqual(['Sticker', 'Result "1"', 'Photo']); // above the active layer
    expect(after.layers.filter((l) => l.name !== 'Result "1"')).toEqual(before.layers);
    const added = emu.layers().find((l) => l.name === 'Result "1"')!;
    expect(added).toMatchObject({ x: 3, y: 30, smart: true });
    expect(same(added.image!, img)).toBe(true);
    expect(after.selection).toEqual(before.selection);
  });

  it('times out with a message when the pasted layer never appears', async () => {
    const emu = emulator({ openDelayMs: 10_000 });
    twoLayerDoc(emu);
    const { doc } = connect(emu, {}, { layerTimeoutMs: 100 });
    const err = await doc.addResultLayer(pattern(2, 2), { name: 'R', x: 0, y: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PhotopeaTimeoutError);
    expect((err as Error).message).toMatch(/did not add the result layer within 0\.1 s\. Nothing else was changed/);
  });
});

describe('planEdit', () => {
  const info = (w: number, h: number, selection: DocumentInfo['selection']): DocumentInfo => ({ width: w, height: h, selection, layers: 1, activeLayer: 'L', name: 'D' });
  const ops = ['inpaint'] as const;

  it('the whole document, with the selection as the mask', () => {
    expect(planEdit(info(100, 80, { x: 10.5, y: -4, width: 20, height: 10 }), 'inpaint', ops)).toEqual({
      document: { width: 100, height: 80 },
      selection: { x: 10, y: 0, width: 21, height: 6 },
      region: { x: 0, y: 0, width: 100, height: 80 },
      cropped: false,
      useSelection: true,
    });
  });

  it('a crop around the selection for "only masked", and for huge documents', () => {
    const p = planEdit(info(100, 80, { x: 40, y: 30, width: 10, height: 10 }), 'inpaint', ops, { onlyMasked: true, padding: 8 });
    expect(p.region).toEqual({ x: 32, y: 22, width: 26, height: 26 });
    expect(p.cropped).toBe(true);
    const huge = planEdit(info(20000, 9000, { x: 100, y: 100, width: 300, height: 200 }), 'inpaint', ops);
    expect(huge.region).toEqual({ x: 68, y: 68, width: 364, height: 264 });
    expect(huge.note).toMatch(/only the area around the selection/);
    expect(() => planEdit(info(20000, 9000, { x: 0, y: 0, width: 19000, height: 9000 }), 'inpaint', ops)).toThrow(/too large to edit\. Select a smaller area/);
  });

  it('no selection for a masked edit: says so and offers the whole image', () => {
    const err = (() => {
      try {
        planEdit(info(100, 80, null), 'inpaint', ['inpaint']);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(NoSelectionError);
    expect((err as Error).message).toBe(
      'Nothing is selected in Photopea. Inpaint changes the selected area: select it (Lasso, Marquee or Magic Wand) and run again, or run Inpaint on the whole image.',
    );
    expect((err as NoSelectionError).wholeImage).toEqual(['inpaint']);
    expect(planEdit(info(100, 80, null), 'inpaint', ['inpaint'], { wholeImage: true }).useSelection).toBe(false);
    expect(planEdit(info(100, 80, null), 'sdedit', ['sdedit']).region).toEqual({ x: 0, y: 0, width: 100, height: 80 });
  });

  it('Edit by description needs no selection: the whole image, no mask (DiffEdit finds the area)', () => {
    expect(planEdit(info(100, 80, null), 'diffedit', ['diffedit'])).toEqual({
      document: { width: 100, height: 80 },
      selection: null,
      region: { x: 0, y: 0, width: 100, height: 80 },
      cropped: false,
      useSelection: false,
    });
  });

  it('a huge document without a selection: asks for one', () => {
    expect(() => planEdit(info(20000, 9000, null), 'sdedit', ['sdedit'])).toThrow(/20000×9000 px, too large to edit whole\. Select the area/);
    try {
      planEdit(info(20000, 9000, null), 'inpaint', ['inpaint']);
    } catch (e) {
      expect((e as NoSelectionError).wholeImage).toEqual([]);
    }
  });
});

describe('resultLayer', () => {
  it('keeps only the changed pixels, trimmed, at their place in the document', () => {
    const original = pattern(10, 8, 1);
    const changed = { width: 10, height: 8, data: new Uint8ClampedArray(original.data) };
    for (const [x, y] of [
      [3, 2],
      [6, 5],
    ] as const) {
      changed.data[(y * 10 + x) * 4] ^= 0xff;
    }
    const edit = {
      operation: 'inpaint',
      plan: { document: { width: 50, height: 50 }, selection: null, region: { x: 20, y: 30, width: 10, height: 8 }, cropped: true, useSelection: true },
      original,
      result: { images: [changed, original], meta: { params: { prompt: '  a  red fox ', seed: 42 } } },
    } as unknown as PhotopeaEdit;
    const layer = resultLayer(edit)!;
    expect({ x: layer.x, y: layer.y, w: layer.image.width, h: layer.image.height }).toEqual({ x: 23, y: 32, w: 4, h: 4 });
    const alpha = (x: number, y: number): number => layer.image.data[(y * 4 + x) * 4 + 3]!;
    expect(alpha(0, 0)).toBe(255);
    expect(alpha(3, 3)).toBe(255);
    expect(alpha(1, 1)).toBe(0);
    expect(resultLayer(edit, 1)).toBeNull();
    expect(resultLayerName(edit, 1)).toBe('Stipple Inpaint #2: a red fox (seed 42)');
  });
});

describe('an edit of the document, end to end in Node (fixture inpainting model)', () => {
  let editor: Editor;
  beforeAll(async () => {
    editor = await createEditor({ model: new NodeFolderSource(FIXTURE) });
  });
  afterAll(async () => {
    await editor?.dispose();
  });

  it('inpaints the selection into a new layer; the original layers are untouched', async () => {
    const emu = emulator({ openDelayMs: 40 });
    twoLayerDoc(emu);
    const { doc, deliver } = connect(emu);
    const before = emu.snapshot();
    const original = emu.composite();
    const ping = setInterval(() => deliver('ping'), 2);
    let edit: PhotopeaEdit;
    try {
      edit = await editDocument(doc, editor, 'inpaint', { prompt: 'a red fox"); app.echoToOE("x', steps: 2, seed: 7, maskBlur: 0 });
      expect(edit.plan.region).toEqual({ x: 0, y: 0, width: 48, height: 40 });
      const placed = await applyEdit(doc, edit);
      expect(placed?.name).toBe('Stipple Inpaint: a red fox"); app.echoToOE("x (seed 7)');
    } finally {
      clearInterval(ping);
    }
    const after = emu.snapshot();
    expect(after.layers.filter((l) => !l.name.startsWith('Stipple'))).toEqual(before.layers);
    expect(after.selection).toEqual(before.selection);
    // The document now shows the result exactly, and differs only inside the selection.
    const shown = emu.composite();
    expect(same(shown, edit.result.images[0]!)).toBe(true);
    let changedOutside = 0;
    let changedInside = 0;
    for (let y = 0; y < 40; y++) {
      for (let x = 0; x < 48; x++) {
        const p = (y * 48 + x) * 4;
        const diff = shown.data[p] !== original.data[p] || shown.data[p + 1] !== original.data[p + 1] || shown.data[p + 2] !== original.data[p + 2];
        const inside = x >= 10 && x < 26 && y >= 8 && y < 20;
        if (diff && inside) changedInside++;
        if (diff && !inside) changedOutside++;
      }
    }
    expect(changedOutside).toBe(0);
    expect(changedInside).toBeGreaterThan(100);
  });

  it('"only masked" on a crop: the layer lands inside the crop around the selection', async () => {
    const emu = emulator();
    twoLayerDoc(emu, 96, 80, rectSelection(96, 80, { x: 60, y: 40, width: 12, height: 10 }));
    const { doc } = connect(emu);
    const engine: EditEngine = editor;
    const edit = await editDocument(doc, engine, 'inpaint', { prompt: 'x', steps: 1, seed: 1, maskBlur: 0, onlyMasked: true, onlyMaskedPadding: 6 });
    expect(edit.plan.region).toEqual({ x: 54, y: 34, width: 24, height: 22 });
    expect(edit.original.width).toBe(24);
    const layer = resultLayer(edit)!;
    await applyEdit(doc, edit);
    const added = emu.layers().find((l) => l.name.startsWith('Stipple'))!;
    expect({ x: added.x, y: added.y }).toEqual({ x: layer.x, y: layer.y });
    expect(added.x).toBeGreaterThanOrEqual(60);
    expect(added.x + added.image!.width).toBeLessThanOrEqual(72);
  });

  it('a huge document is edited on the crop around its selection, and says so', async () => {
    const emu = emulator();
    twoLayerDoc(emu, 96, 80, rectSelection(96, 80, { x: 8, y: 50, width: 10, height: 12 }));
    const { doc } = connect(emu);
    const edit = await editDocument(doc, editor, 'inpaint', { prompt: 'x', steps: 1, seed: 2 }, { maxDocumentPixels: 64 * 64, padding: 4 });
    expect(edit.plan).toMatchObject({ cropped: true, region: { x: 4, y: 46, width: 18, height: 20 } });
    expect(edit.plan.note).toMatch(/The document is large \(96×80 px\), so only the area around the selection was edited\./);
    expect(edit.result.images[0]!.width).toBe(18);
    const placed = await applyEdit(doc, edit);
    expect(placed!.bounds.x).toBeGreaterThanOrEqual(4);
    expect(placed!.bounds.x + placed!.bounds.width).toBeLessThanOrEqual(22);
  });

  it('no selection: a clear error before anything is read; "whole image" runs with a full mask', async () => {
    const emu = emulator();
    twoLayerDoc(emu, 32, 32, null);
    const { doc, client } = connect(emu);
    const err = await editDocument(doc, editor, 'inpaint', { prompt: 'x', steps: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoSelectionError);
    const scripts = emu.scripts.length;
    const edit = await editDocument(doc, editor, 'inpaint', { prompt: 'x', steps: 1, seed: 3 }, { wholeImage: true });
    expect(edit.plan.useSelection).toBe(false);
    expect(edit.result.warnings.map((w) => w.code)).toContain('MASK_FULL');
    expect(emu.scripts.length - scripts).toBe(2 * 2); // info + export, each after its marker: no mask read
    client.close();
  });
});
