/**
 * The whole plugin in Node: an image and a mask shape selected in the fake
 * document, the panel's session reading them, core inpainting with the tiny
 * fixture model, and the result written back: a new layer above the
 * untouched source holding the edit (changed inside the mask, the source's
 * pixels outside it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEditor, type Editor } from '../../core/editor';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { decodePng, gradient, type FakeShapeNode } from './fake-figma';
import { flush, startPlugin } from './harness';

const MODEL = new URL('../fixtures/tiny-sd/sd-inpaint', import.meta.url).pathname;

describe('inpaint from the fake document and back', () => {
  let editor: Editor;
  beforeAll(async () => {
    editor = await createEditor({ model: new NodeFolderSource(MODEL) });
  });
  afterAll(async () => {
    await editor?.dispose();
  });

  it('adds the result above the untouched source', async () => {
    let photo!: FakeShapeNode;
    const p = await startPlugin((f) => {
      photo = f.addImageRect({ name: 'Photo', x: 200, y: 100, width: 64, height: 64, pixels: gradient(64, 64) });
      const mask = f.addShape('RECTANGLE', { name: 'Mask', x: 216, y: 116, width: 24, height: 24, color: [255, 0, 0], opacity: 0.4 });
      f.select(photo, mask);
    });
    const source = photo.snapshot();
    const sourcePixels = decodePng(await photo.exportAsync({ format: 'PNG', useAbsoluteBounds: true }));

    const input = await p.session.read({ targetPixels: 64 * 64 });
    expect(editor.operations).toContain('inpaint');
    expect(input.operations).toContain('inpaint');
    const result = await editor.edit('inpaint', { image: input.image, mask: input.mask!, prompt: 'a red fox', steps: 2, seed: 42, maskBlur: 0 });
    const written = await p.session.write(input, result.images[0]!, { operation: 'inpaint', seed: result.meta.params.seed });
    await flush(p);

    expect(written.name).toBe('Stipple inpaint · seed 42');
    const node = (await p.figma.getNodeByIdAsync(written.nodeId)) as FakeShapeNode;
    const kids = p.figma.currentPage.children;
    expect(kids.indexOf(node)).toBe(kids.indexOf(photo) + 1);
    expect(node.absoluteTransform).toEqual(photo.absoluteTransform);
    expect(photo.snapshot()).toEqual(source);
    expect(p.figma.undoSteps).toHaveLength(1);

    // The layer holds the edit: new pixels inside the mask, the source's outside.
    const hash = (node.fills[0] as { imageHash: string }).imageHash;
    const out = p.figma.imagePixels(hash);
    expect([out.width, out.height]).toEqual([64, 64]);
    let inside = 0;
    let outsideSame = 0;
    let outside = 0;
    for (let y = 0; y < 64; y++) {
      for (let x = 0; x < 64; x++) {
        const o = (y * 64 + x) * 4;
        const same = [0, 1, 2, 3].every((c) => out.data[o + c] === sourcePixels.data[o + c]);
        if (x >= 16 && x < 40 && y >= 16 && y < 40) inside += same ? 0 : 1;
        else {
          outside++;
          outsideSame += same ? 1 : 0;
        }
      }
    }
    expect(inside).toBeGreaterThan(24 * 24 * 0.9);
    expect(outsideSame).toBe(outside);
  });
});
