/**
 * The main code against the fake Figma, with the panel's bridge and session
 * in Node: what each selection offers, every kind of bad input (a clear
 * notice and an unchanged document), reading pixels (crop, rotation, scale,
 * masks) and writing results (one new layer exactly over the untouched
 * source, one undo step), and the origin checks on both sides.
 */
import { describe, expect, it } from 'vitest';
import { CHANNEL, message, type MainToPanel, type PanelToMain } from '../../adapters/figma/messages';
import { FigmaRequestError } from '../../adapters/figma/panel-bridge';
import { createRgba, type RgbaImage } from '../../core/image';
import { decodePng, encodePng, FakeFigma, FakeFigmaError, FakeShapeNode, FakeSceneNode, gradient } from './fake-figma';
import { flush, PANEL_ORIGIN, startPlugin, until, type Plugin } from './harness';

/** A page with a 64x48 photo at (100, 50) and, optionally, an ellipse over its middle. */
function photoScene(figma: FakeFigma, opts: { mask?: boolean; rotation?: number } = {}) {
  const photo = figma.addImageRect({ name: 'Photo', x: 100, y: 50, width: 64, height: 48, pixels: gradient(64, 48), ...(opts.rotation !== undefined && { rotation: opts.rotation }) });
  const nodes: FakeSceneNode[] = [photo];
  if (opts.mask) nodes.push(figma.addShape('ELLIPSE', { name: 'Mask', x: 116, y: 62, width: 32, height: 24, color: [255, 0, 0] }));
  return nodes;
}

/** Asserts the read failed with `code`, told the designer, and changed nothing. */
async function expectRefused(p: Plugin, code: string, words: RegExp): Promise<void> {
  const before = p.figma.snapshot();
  const notices = p.figma.notifications.length;
  const err = await p.session.read({ targetPixels: 64 * 64 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(FigmaRequestError);
  expect((err as FigmaRequestError).code).toBe(code);
  expect((err as Error).message).toMatch(words);
  const notice = p.figma.notifications[notices];
  expect(notice?.options?.error).toBe(true);
  expect(notice?.message).toMatch(new RegExp(words.source.slice(0, 20), 'i'));
  expect(p.figma.snapshot()).toEqual(before);
  expect(p.figma.undoSteps).toHaveLength(0);
  expect(p.figma.pendingChanges).toHaveLength(0);
}

describe('the panel connection', () => {
  it('shows the bootstrap UI and answers ready with the selection', async () => {
    const p = await startPlugin((f) => f.select(...photoScene(f, { mask: true })));
    expect(p.figma.shownHtml).toContain('location.href');
    expect(p.figma.shownOptions).toMatchObject({ themeColors: true });
    expect(p.bridge.selection).toMatchObject({ ok: true, source: { name: 'Photo', kind: 'image' }, masks: [{ name: 'Mask' }] });
    // Everything the main code posts is addressed to the panel's origin only.
    expect(p.figma.ui.sent.every((s) => s.options?.origin === PANEL_ORIGIN)).toBe(true);
  });

  it('reports selection changes', async () => {
    let nodes: FakeSceneNode[] = [];
    const p = await startPlugin((f) => (nodes = photoScene(f)));
    expect(p.bridge.selection).toMatchObject({ ok: false, problem: 'nothing-selected' });
    p.figma.select(nodes[0]!);
    await until(() => p.bridge.selection?.ok === true);
    expect(p.bridge.selection).toMatchObject({ ok: true, operations: ['sdedit', 'pix2pix', 'diffedit'] });
  });

  it('ignores and reports a message from an unknown origin', async () => {
    const p = await startPlugin((f) => f.select(...photoScene(f, { mask: true })));
    const before = p.figma.snapshot();
    const sent = p.figma.ui.sent.length;
    const png = encodePng(gradient(64, 48));
    p.figma.ui.fromUi(message<PanelToMain, 'write-result'>('write-result', { requestId: 9, sourceId: '1:4', png, operation: 'inpaint', seed: 1 }), 'https://evil.example');
    p.figma.ui.fromUi(message<PanelToMain, 'read-selection'>('read-selection', { requestId: 10 }), 'null');
    await flush(p);
    expect(p.figma.notifications.map((n) => n.message)).toEqual([
      'Stipple ignored a message from an unknown page (https://evil.example).',
      'Stipple ignored a message from an unknown page (null).',
    ]);
    expect(p.figma.notifications.every((n) => n.options?.error)).toBe(true);
    expect(p.figma.ui.sent.length).toBe(sent);
    expect(p.figma.exports).toHaveLength(0);
    expect(p.figma.snapshot()).toEqual(before);
  });

  it('ignores malformed messages from the panel’s origin', async () => {
    const p = await startPlugin((f) => f.select(...photoScene(f, { mask: true })));
    const before = p.figma.snapshot();
    p.figma.ui.fromUi({ channel: CHANNEL, type: 'write-result', payload: { requestId: 1, sourceId: '1:4', png: 'not bytes', operation: 'inpaint', seed: 1 } }, PANEL_ORIGIN);
    await flush(p);
    expect(p.figma.notifications.at(-1)?.message).toMatch(/does not understand/);
    expect(p.figma.snapshot()).toEqual(before);
  });

  it('the panel answers only Figma’s frame on Figma’s origin', async () => {
    const p = await startPlugin((f) => f.select(...photoScene(f)));
    const good = { pluginMessage: message<MainToPanel, 'selection'>('selection', { ok: false, problem: 'nothing-selected', message: 'from elsewhere' }) };
    p.figma.ui.strayToPanel(good, 'https://evil.example', {});
    p.figma.ui.strayToPanel(good, 'https://www.figma.com', {}); // right origin, not the parent frame
    await flush(p);
    expect(p.bridge.selection).toMatchObject({ ok: true });
  });
});

describe('bad input: a notice, and the document unchanged', () => {
  it('nothing selected', async () => {
    const p = await startPlugin((f) => photoScene(f, { mask: true }));
    await expectRefused(p, 'nothing-selected', /Nothing is selected/);
  });

  it('several images', async () => {
    const p = await startPlugin((f) => {
      const [a] = photoScene(f);
      const b = f.addImageRect({ name: 'Other photo', x: 300, y: 50, width: 20, height: 20, pixels: gradient(20, 20) });
      f.select(a!, b);
    });
    await expectRefused(p, 'several-images', /2 images are selected/);
  });

  it('a mask that does not overlap the image', async () => {
    const p = await startPlugin((f) => {
      const [photo] = photoScene(f);
      f.select(photo!, f.addShape('RECTANGLE', { name: 'Far away', x: 400, y: 400, width: 10, height: 10 }));
    });
    await expectRefused(p, 'mask-outside', /“Far away” does not overlap/);
  });

  it('a mask whose box overlaps but whose pixels do not (a diagonal stroke past the corner)', async () => {
    const p = await startPlugin((f) => {
      const [photo] = photoScene(f);
      // Its box overlaps the photo's corner; the stroke itself passes outside.
      f.select(photo!, f.addVector({ name: 'Stroke', points: [[80, 60], [95, 45], [170, 45]], strokeWeight: 4 }));
    });
    const before = p.figma.snapshot();
    const err = await p.session.read({ targetPixels: 64 * 64 }).catch((e: unknown) => e);
    expect((err as FigmaRequestError).code).toBe('mask-outside');
    await flush(p);
    expect(p.figma.notifications.at(-1)).toMatchObject({ message: expect.stringMatching(/does not cover/), options: { error: true } });
    expect(p.figma.snapshot()).toEqual(before);
  });

  it('a node that is not an image', async () => {
    const p = await startPlugin((f) => f.select(f.addShape('ELLIPSE', { name: 'Circle', width: 20, height: 20 })));
    await expectRefused(p, 'not-an-image', /“Circle” \(an ellipse\) is not an image/);
  });

  it('a mask inside the frame being edited', async () => {
    const p = await startPlugin((f) => {
      const frame = f.addContainer('FRAME', { name: 'Card', x: 0, y: 0, width: 100, height: 100, color: [240, 240, 240] });
      const inner = f.addShape('ELLIPSE', { name: 'Blob', x: 10, y: 10, width: 30, height: 30, parent: frame });
      f.select(frame, inner);
    });
    await expectRefused(p, 'mask-inside-source', /inside “Card”/);
  });

  it('a layer that cannot be a mask, and a hidden image', async () => {
    const p = await startPlugin((f) => {
      const [photo] = photoScene(f);
      f.select(photo!, f.addContainer('FRAME', { name: 'Panel', x: 100, y: 50, width: 10, height: 10 }));
    });
    await expectRefused(p, 'unsupported-mask', /“Panel” \(a frame\) cannot be a mask/);
    const photo = p.figma.currentPage.children[0] as FakeShapeNode;
    p.figma.hide(photo);
    p.figma.select(photo);
    await expectRefused(p, 'hidden', /is hidden/);
  });
});

describe('reading the selection', () => {
  it('offers every edit with a mask and reads image and mask in the image’s frame', async () => {
    const p = await startPlugin((f) => f.select(...photoScene(f, { mask: true })));
    const input = await p.session.read({ targetPixels: 32 * 32 });
    expect(input.operations).toEqual(['inpaint', 'mask-edit', 'sdedit', 'pix2pix', 'diffedit']);
    // The image file is 64x48 in a 64x48 layer: read at 1x, the exact pixels.
    expect(input.image.width).toBe(64);
    expect(input.image.height).toBe(48);
    expect(Array.from(input.image.data)).toEqual(Array.from(gradient(64, 48).data));
    const m = input.mask!;
    expect(m.data[(48 / 2) * 64 + 32]).toBe(1); // the ellipse's centre
    expect(m.data[0]).toBe(0);
    expect(m.data[(12 + 1) * 64 + 16]).toBe(0); // the ellipse's box corner is outside the ellipse
    const covered = m.data.reduce((a, b) => a + b, 0);
    expect(covered / (Math.PI * 16 * 12)).toBeGreaterThan(0.95);
    expect(covered / (Math.PI * 16 * 12)).toBeLessThan(1.05);
    // Reading changed nothing.
    expect(p.figma.undoSteps).toHaveLength(0);
    expect(p.figma.pendingChanges).toHaveLength(0);
  });

  it('offers only whole-image edits without a mask', async () => {
    const p = await startPlugin((f) => f.select(photoScene(f)[0]!));
    const input = await p.session.read({ targetPixels: 64 * 64 });
    expect(input.mask).toBeNull();
    expect(input.operations).toEqual(['sdedit', 'pix2pix', 'diffedit']);
  });

  it('reads small layers at the model’s resolution and keeps an image file’s resolution', async () => {
    const p = await startPlugin((f) => {
      const icon = f.addImageRect({ name: 'Icon', x: 0, y: 0, width: 16, height: 16, pixels: gradient(16, 16) });
      f.select(icon);
    });
    const small = await p.session.read({ targetPixels: 64 * 64 });
    expect([small.image.width, small.source.scale]).toEqual([64, 4]);
    const q = await startPlugin((f) => f.select(f.addImageRect({ name: 'Hi-res', x: 0, y: 0, width: 50, height: 40, pixels: gradient(200, 160) })));
    const fine = await q.session.read({ targetPixels: 64 * 64 });
    expect([fine.image.width, fine.image.height]).toEqual([200, 160]);
  });

  it('honours the crop (renders as seen)', async () => {
    const p = await startPlugin((f) => {
      // Shows the right half of a 40x20 image in a 20x20 layer.
      const n = f.addImageRect({ name: 'Cropped', x: 0, y: 0, width: 20, height: 20, pixels: gradient(40, 20), scaleMode: 'CROP', imageTransform: [[0.5, 0, 0.5], [0, 1, 0]] });
      f.select(n);
    });
    const input = await p.session.read({ scale: 1 });
    const full = gradient(40, 20);
    expect(Array.from(input.image.data.subarray(0, 4))).toEqual(Array.from(full.data.subarray(20 * 4, 20 * 4 + 4)));
  });

  it('un-rotates a rotated layer', async () => {
    const p = await startPlugin((f) => {
      // Rotated 90°: the layer covers x 100..148, y 86..150 on the page.
      const photo = f.addImageRect({ name: 'Photo', x: 100, y: 150, width: 64, height: 48, rotation: 90, pixels: gradient(64, 48) });
      f.select(photo, f.addShape('ELLIPSE', { name: 'Mask', x: 110, y: 100, width: 20, height: 20 }));
    });
    const input = await p.session.read({ scale: 1 });
    expect([input.image.width, input.image.height]).toEqual([64, 48]);
    expect(Array.from(input.image.data)).toEqual(Array.from(gradient(64, 48).data));
    expect(input.mask).not.toBeNull();
  });

  it('keeps exports within 4096 px, with a notice', async () => {
    const p = await startPlugin((f) => f.select(f.addImageRect({ name: 'Poster', x: 0, y: 0, width: 3000, height: 100, pixels: gradient(300, 10) })));
    const input = await p.session.read({ scale: 2 });
    expect(input.image.width).toBeLessThanOrEqual(4096);
    expect(input.notices[0]).toMatch(/read at 1\.3\d× instead of 2×.*4096 px/);
    expect(p.figma.exports.every((e) => e.width <= 4096 && e.height <= 4096)).toBe(true);
  });

  it('reads a frame as rendered', async () => {
    const p = await startPlugin((f) => {
      const frame = f.addContainer('FRAME', { name: 'Card', x: 10, y: 10, width: 40, height: 40, color: [0, 128, 0] });
      f.addShape('RECTANGLE', { name: 'Dot', x: 0, y: 0, width: 20, height: 20, color: [0, 0, 255], parent: frame });
      f.select(frame);
    });
    const input = await p.session.read({ scale: 1 });
    expect(Array.from(input.image.data.subarray(0, 4))).toEqual([0, 0, 255, 255]);
    expect(Array.from(input.image.data.subarray((39 * 40 + 39) * 4, (39 * 40 + 39) * 4 + 4))).toEqual([0, 128, 0, 255]);
  });
});

describe('writing a result', () => {
  const resultFor = (img: RgbaImage): RgbaImage => {
    const out = createRgba(img.width, img.height, [200, 30, 30, 255]);
    return out;
  };

  async function writeOver(build: (f: FakeFigma) => FakeSceneNode[]) {
    let nodes: FakeSceneNode[] = [];
    const p = await startPlugin((f) => {
      nodes = build(f);
      f.select(...nodes);
    });
    const source = nodes[0]!;
    const sourceBefore = source.snapshot();
    const input = await p.session.read({ scale: 1 });
    const done = await p.session.write(input, resultFor(input.image), { operation: 'inpaint', seed: 42 });
    await flush(p);
    const node = (await p.figma.getNodeByIdAsync(done.nodeId)) as FakeShapeNode;
    return { p, source, sourceBefore, done, node, input };
  }

  it('adds one layer exactly over the untouched source, named, selected, as one undo step', async () => {
    const { p, source, sourceBefore, done, node } = await writeOver((f) => photoScene(f, { mask: true }));
    expect(done.name).toBe('Stipple inpaint · seed 42');
    expect(node.name).toBe('Stipple inpaint · seed 42');
    expect(node.type).toBe('RECTANGLE');
    expect(node.parent).toBe(source.parent);
    const siblings = source.parent!.children;
    expect(siblings.indexOf(node)).toBe(siblings.indexOf(source as never) + 1);
    expect(node.relativeTransform).toEqual(source.relativeTransform);
    expect([node.width, node.height]).toEqual([source.width, source.height]);
    const fill = node.fills[0]!;
    expect(fill).toMatchObject({ type: 'IMAGE', scaleMode: 'FILL' });
    const pixels = p.figma.imagePixels((fill as { imageHash: string }).imageHash);
    expect([pixels.width, pixels.height]).toEqual([64, 48]);
    expect(Array.from(pixels.data.subarray(0, 4))).toEqual([200, 30, 30, 255]);
    expect(p.figma.currentPage.selection).toEqual([node]);
    expect(source.snapshot()).toEqual(sourceBefore);
    expect(p.figma.undoSteps).toHaveLength(1);
    expect(p.figma.pendingChanges).toHaveLength(0);
    expect(p.figma.notifications.at(-1)?.message).toBe('Added “Stipple inpaint · seed 42”.');
    // Undo removes exactly the result.
    const after = p.figma.snapshot();
    p.figma.triggerUndo();
    expect(node.removed).toBe(true);
    expect(p.figma.snapshot()).not.toEqual(after);
    expect(JSON.stringify(p.figma.snapshot())).not.toContain('Stipple inpaint');
  });

  it('matches position and rotation of a rotated source', async () => {
    const { source, node } = await writeOver((f) => photoScene(f, { rotation: 30 }));
    expect(node.rotation).toBeCloseTo(30, 9);
    expect(node.absoluteTransform).toEqual(source.absoluteTransform);
    expect(node.absoluteBoundingBox).toEqual(source.absoluteBoundingBox);
  });

  it('goes into the source’s group, and stays put in auto layout', async () => {
    const grouped = await writeOver((f) => {
      const frame = f.addContainer('FRAME', { name: 'Frame', x: 20, y: 20, width: 300, height: 300 });
      const group = f.addContainer('GROUP', { name: 'Group', x: 0, y: 0, width: 1, height: 1, parent: frame });
      const photo = f.addImageRect({ name: 'Photo', x: 30, y: 40, width: 64, height: 48, pixels: gradient(64, 48), parent: group });
      f.addShape('RECTANGLE', { name: 'Other', x: 150, y: 150, width: 10, height: 10, parent: group });
      return [photo];
    });
    expect(grouped.node.parent?.name).toBe('Group');
    expect(grouped.node.absoluteTransform).toEqual(grouped.source.absoluteTransform);

    const auto = await writeOver((f) => {
      const row = f.addContainer('FRAME', { name: 'Row', x: 0, y: 0, width: 300, height: 100, layoutMode: 'HORIZONTAL' });
      const photo = f.addImageRect({ name: 'Photo', x: 8, y: 8, width: 64, height: 48, pixels: gradient(64, 48), parent: row });
      return [photo];
    });
    expect(auto.node.layoutPositioning).toBe('ABSOLUTE');
    expect(auto.node.absoluteTransform).toEqual(auto.source.absoluteTransform);
  });

  it('goes next to an instance (instances take no new children)', async () => {
    const { p, source, node, done } = await writeOver((f) => {
      const inst = f.addContainer('INSTANCE', { name: 'Avatar', x: 40, y: 40, width: 100, height: 100 });
      const photo = f.addImageRect({ name: 'Photo', x: 10, y: 10, width: 64, height: 48, pixels: gradient(64, 48), parent: inst });
      return [photo];
    });
    expect(node.parent).toBe(p.figma.currentPage);
    expect(node.absoluteTransform).toEqual(source.absoluteTransform);
    expect(done.notices[0]).toMatch(/next to “Avatar”/);
  });

  it('scales a result over 4096 px down, with a notice', async () => {
    const { p, input } = await writeOver((f) => photoScene(f));
    const big = createRgba(5000, 100, [1, 2, 3, 255]);
    const done = await p.session.write(input, big, { operation: 'sdedit', seed: 7, variant: 2, variants: 3 });
    await flush(p);
    expect(done.name).toBe('Stipple sdedit · seed 7 · 2 of 3');
    expect(done.notices[0]).toMatch(/5000×100 px\) was scaled down to 4096×82 px/);
    const node = (await p.figma.getNodeByIdAsync(done.nodeId)) as FakeShapeNode;
    const hash = (node.fills[0] as { imageHash: string }).imageHash;
    expect(p.figma.imagePixels(hash).width).toBe(4096);
    expect(p.figma.notifications.some((n) => /scaled down/.test(n.message))).toBe(true);
  });

  it('refuses a result over 4096 px, a non-PNG and a deleted source, changing nothing', async () => {
    const { p, source } = await writeOver((f) => photoScene(f));
    const before = p.figma.snapshot();
    const steps = p.figma.undoSteps.length;
    const huge = encodePng(createRgba(4097, 2));
    const tries: [Uint8Array, string, RegExp][] = [
      [huge, source.id, /4097×2 px; Figma takes images of at most 4096/],
      [new Uint8Array([1, 2, 3]), source.id, /not a PNG/],
      [encodePng(createRgba(4, 4)), '1:999', /no longer in the document/],
    ];
    for (const [png, sourceId, words] of tries) {
      const err = await p.bridge.writeResult({ sourceId, png, operation: 'inpaint', seed: 1 }).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(words);
      expect(p.figma.notifications.at(-1)).toMatchObject({ message: expect.stringMatching(new RegExp(words.source.slice(0, 12))), options: { error: true } });
    }
    expect(p.figma.snapshot()).toEqual(before);
    expect(p.figma.undoSteps).toHaveLength(steps);
  });

  it('each result is its own undo step', async () => {
    const { p, input } = await writeOver((f) => photoScene(f, { mask: true }));
    await p.session.write(input, resultFor(input.image), { operation: 'inpaint', seed: 43 });
    await flush(p);
    expect(p.figma.undoSteps).toHaveLength(2);
    p.figma.triggerUndo();
    const names = JSON.stringify(p.figma.snapshot());
    expect(names).toContain('seed 42');
    expect(names).not.toContain('seed 43');
  });
});

describe('the fake is as strict as Figma', () => {
  it('dynamic-page: no sync lookup, unexplored pages, deleted nodes', async () => {
    const f = new FakeFigma();
    expect(() => f.getNodeById('1:1')).toThrow(/dynamic-page/);
    const page2 = (await f.getNodeByIdAsync('1:3')) as unknown as { children: unknown; loadAsync(): Promise<void> };
    expect(() => page2.children).toThrow(/loadAsync/);
    await page2.loadAsync();
    expect(page2.children).toEqual([]);
    const r = f.createRectangle();
    r.remove();
    expect(() => r.name).toThrow(/does not exist/);
    expect(await f.getNodeByIdAsync(r.id)).toBeNull();
  });

  it('images: PNG only, at most 4096 px a side; exports as rendered, at most 4096 px', async () => {
    const f = new FakeFigma();
    expect(() => f.createImage(new Uint8Array([1, 2, 3]))).toThrow(/unsupported/);
    expect(() => f.createImage(encodePng(createRgba(4097, 1)))).toThrow(/too large/);
    const img = f.addImageRect({ name: 'P', x: 0, y: 0, width: 10, height: 10, pixels: gradient(10, 10) });
    const png = await img.exportAsync({ format: 'PNG', constraint: { type: 'SCALE', value: 2 } });
    expect(decodePng(png)).toMatchObject({ width: 20, height: 20 });
    await expect(img.exportAsync({ format: 'PNG', constraint: { type: 'WIDTH', value: 5000 } })).rejects.toThrow(/4096/);
  });

  it('node rules: unit-axis transforms, sizes, instances, auto layout', () => {
    const f = new FakeFigma();
    const r = f.createRectangle();
    expect(() => (r.relativeTransform = [[2, 0, 0], [0, 1, 0]])).toThrow(/unit axes/);
    expect(() => r.resize(0, 5)).toThrow(/0.01/);
    expect(() => (r.layoutPositioning = 'ABSOLUTE')).toThrow(/auto-layout/);
    const inst = f.addContainer('INSTANCE', { width: 10, height: 10 });
    expect(() => inst.insertChild(0, r)).toThrow(FakeFigmaError);
    expect(() => (f.currentPage.selection = [new FakeFigma().createRectangle()])).toThrow(/on this page/);
    // Plugin changes pile up until commitUndo, and undo as one step.
    expect(f.pendingChanges.length).toBeGreaterThan(0);
    f.commitUndo();
    expect(f.undoSteps).toHaveLength(1);
    f.triggerUndo();
    expect(r.removed).toBe(true);
  });
});
