/**
 * Live mode in the Figma plugin, in Node: the main code against the fake
 * Figma (strict about `documentchange` under dynamic-page), the panel's
 * follower over the real bridge, and a real live session on the tiny
 * inpainting model. Edits of the selected layers reach the session; other
 * edits do not; the follower pauses with no image or mask selected and while
 * the panel is hidden; Keep's result is written as one undo step.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followFigma } from '../../adapters/figma/live';
import { message, parseMainMessage, parsePanelMessage, type MainToPanel, type PanelToMain } from '../../adapters/figma/messages';
import type { FigmaInput } from '../../adapters/figma/session';
import { createEditor, type Editor } from '../../core/editor';
import type { FollowState } from '../../core/live';
import type { Mask, RgbaImage } from '../../core/image';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { FakeFigma, FakeFigmaError, gradient, type FakeShapeNode, type FakeVectorNode } from './fake-figma';
import { flush, startPlugin, until, type Plugin } from './harness';

const MODEL = new URL('../fixtures/tiny-sd/sd-inpaint', import.meta.url).pathname;

/** An image, a mask shape over it (both selected) and an unrelated shape elsewhere. */
function scene(figma: FakeFigma): { photo: FakeShapeNode; mask: FakeShapeNode; other: FakeShapeNode } {
  const photo = figma.addImageRect({ name: 'Photo', x: 200, y: 100, width: 64, height: 64, pixels: gradient(64, 64) });
  const mask = figma.addShape('RECTANGLE', { name: 'Mask', x: 216, y: 116, width: 24, height: 24, color: [255, 0, 0], opacity: 0.4 });
  const other = figma.addShape('RECTANGLE', { name: 'Elsewhere', x: 600, y: 100, width: 40, height: 40 });
  figma.select(photo, mask);
  return { photo, mask, other };
}

function recorder() {
  const updates: { image: RgbaImage; mask?: Mask }[] = [];
  return { updates, session: { update: (image: RgbaImage, mask?: Mask) => void updates.push(mask ? { image, mask } : { image }) } };
}

const changes = (p: Plugin): number[] => p.received.filter((m) => m.type === 'changed').map((m) => (m.payload as { revision: number }).revision);

describe('the emulator is as strict as Figma under dynamic-page', () => {
  it('refuses a documentchange listener until every page is loaded', async () => {
    const figma = new FakeFigma();
    expect(() => figma.on('documentchange', () => undefined)).toThrow(FakeFigmaError);
    expect(() => figma.on('documentchange', () => undefined)).toThrow(/loadAllPagesAsync/);
    await figma.loadAllPagesAsync();
    expect(() => figma.on('documentchange', () => undefined)).not.toThrow();
  });

  it('delivers the designer’s changes batched and asynchronously', async () => {
    const figma = new FakeFigma();
    const { photo, mask } = scene(figma);
    await figma.loadAllPagesAsync();
    const events: string[][] = [];
    figma.on('documentchange', (e) => events.push(e.documentChanges.map((c) => `${c.type} ${c.id}`)));
    figma.designerEdit(photo, ['opacity'], (n) => (n.opacity = 0.5));
    figma.designerEdit(mask, ['width'], (n) => n.resize(30, 24));
    expect(events).toEqual([]);
    await flush();
    expect(events).toEqual([[`PROPERTY_CHANGE ${photo.id}`, `PROPERTY_CHANGE ${mask.id}`]]);
  });
});

describe('the live messages', () => {
  it('are checked like every other message', () => {
    expect(parsePanelMessage(message<PanelToMain, 'live'>('live', { on: true }))).not.toBeNull();
    expect(parsePanelMessage({ ...message<PanelToMain, 'live'>('live', { on: true }), payload: { on: 'yes' } })).toBeNull();
    expect(parseMainMessage(message<MainToPanel, 'changed'>('changed', { revision: 3 }))).not.toBeNull();
    expect(parseMainMessage({ ...message<MainToPanel, 'changed'>('changed', { revision: 3 }), payload: { revision: 1.5 } })).toBeNull();
  });
});

describe('the main code reports changes of the selection while Live is on', () => {
  it('loads every page once, on the first Live, not at start-up', async () => {
    const p = await startPlugin((f) => void scene(f));
    expect(p.figma.loadAllPagesCalls).toBe(0);
    p.bridge.emit('live', { on: true });
    p.bridge.emit('live', { on: false });
    p.bridge.emit('live', { on: true });
    await flush(p);
    expect(p.figma.loadAllPagesCalls).toBe(1);
    expect(p.figma.notifications).toEqual([]);
  });

  it('counts edits of the selected layers (and strokes inside them), not of others', async () => {
    let s!: ReturnType<typeof scene>;
    const p = await startPlugin((f) => void (s = scene(f)));
    p.bridge.emit('live', { on: true });
    await flush(p);

    p.figma.designerEdit(s.other, ['opacity'], (n) => (n.opacity = 0.2));
    await flush(p);
    expect(changes(p)).toEqual([]);

    p.figma.designerEdit(s.mask, ['x'], (n) => n._place([[1, 0, 220], [0, 1, 116]], 24, 24));
    await flush(p);
    expect(changes(p)).toEqual([1]);

    p.figma.designerEdit(s.photo, ['fills'], (n) => n._setFills([{ type: 'SOLID', color: { r: 0, g: 0, b: 1 } }]));
    await flush(p);
    expect(changes(p)).toEqual([1, 2]);

    // Off: nothing more is reported.
    p.bridge.emit('live', { on: false });
    await flush(p);
    p.figma.designerEdit(s.photo, ['opacity'], (n) => (n.opacity = 0.9));
    await flush(p);
    expect(changes(p)).toEqual([1, 2]);
  });
});

describe('the panel follows the selection into a live session', () => {
  it('reads on each change, pauses without an image, a mask or a visible panel', async () => {
    let s!: ReturnType<typeof scene>;
    const p = await startPlugin((f) => void (s = scene(f)));
    const { updates, session } = recorder();
    const states: FollowState[] = [];
    let shown = true;
    const errors: unknown[] = [];
    const follower = followFigma(p.bridge, p.session, session, {
      needsMask: true,
      targetPixels: 64 * 64,
      visible: () => shown,
      onState: (st) => states.push(st),
      onError: (e) => errors.push(e),
    });
    await until(() => updates.length === 1);
    expect(updates[0]!.image.width).toBe(64);
    expect(updates[0]!.mask).toBeDefined();

    // The designer moves the mask: a new state.
    p.figma.designerEdit(s.mask, ['x'], (n) => n._place([[1, 0, 230], [0, 1, 120]], 24, 24));
    await until(() => updates.length === 2);

    // Only the image selected: inpaint has no mask, so the follower waits.
    p.figma.select(s.photo);
    await until(() => follower.state === 'paused: no image');
    // Nothing selected.
    p.figma.select();
    await flush(p);
    expect(follower.state).toBe('paused: no image');

    // Back, but the panel is hidden: nothing is read.
    shown = false;
    p.figma.select(s.photo, s.mask);
    await until(() => follower.state === 'paused: panel hidden');
    expect(updates).toHaveLength(2);
    shown = true;
    await follower.check();
    expect(follower.state).toBe('following');
    // Same layers, same revision as the last read: nothing new to send.
    expect(updates).toHaveLength(2);

    p.figma.designerEdit(s.photo, ['opacity'], (n) => (n.opacity = 0.5));
    await until(() => updates.length === 3);
    expect(states).toEqual(['paused: no image', 'paused: panel hidden', 'following']);
    expect(errors).toEqual([]);

    follower.stop();
    await flush(p);
    p.figma.designerEdit(s.photo, ['opacity'], (n) => (n.opacity = 1));
    await flush(p);
    expect(updates).toHaveLength(3);
    expect(changes(p)).toEqual([1, 2]);
  });

  it('whole-image edits follow the image alone', async () => {
    let s!: ReturnType<typeof scene>;
    const p = await startPlugin((f) => {
      s = scene(f);
      f.select(s.photo);
    });
    const { updates, session } = recorder();
    const follower = followFigma(p.bridge, p.session, session, { needsMask: false, targetPixels: 64 * 64, visible: () => true });
    await until(() => updates.length === 1);
    expect(updates[0]!.mask).toBeUndefined();
    // A pencil stroke drawn over the image is not part of it (not selected, not inside it).
    p.figma.designerDraw({ name: 'Stroke', points: [[210, 110], [250, 150]] });
    await flush(p);
    expect(updates).toHaveLength(1);
    follower.stop();
  });
});

describe('live inpaint on the tiny model, Keep, and Figma’s undo', () => {
  let editor: Editor;
  beforeAll(async () => {
    editor = await createEditor({ model: new NodeFolderSource(MODEL) });
  });
  afterAll(async () => {
    await editor?.dispose();
  });

  it('a change of the mask gives a new live result; Keep writes one layer, undone in one step', async () => {
    let s!: ReturnType<typeof scene>;
    const p = await startPlugin((f) => void (s = scene(f)));
    const live = editor.live({ operation: 'inpaint', prompt: 'a red fox', steps: 2, seed: 7, maskBlur: 0 });
    let input: FigmaInput | undefined;
    const follower = followFigma(p.bridge, p.session, live, { needsMask: true, targetPixels: 64 * 64, visible: () => true, onInput: (i) => (input = i) });
    const upToDate = (version: number) => until(() => live.state === 'up to date' && (live.latest?.version ?? 0) >= version, 60_000);
    await upToDate(1);
    const first = live.latest!.image;

    p.figma.designerEdit(s.mask, ['x'], (n) => n._place([[1, 0, 236], [0, 1, 130]], 24, 24));
    const before = p.figma.snapshot();
    await upToDate(2);
    const second = live.latest!.image;
    expect(Buffer.from(second.data).equals(Buffer.from(first.data))).toBe(false);
    // Live runs never touch the document.
    expect(p.figma.snapshot()).toEqual(before);

    const kept = await live.keep();
    expect(kept.meta.params.seed).toBe(7);
    const written = await p.session.write(input!, kept.images[0]!, { operation: 'inpaint', seed: kept.meta.params.seed });
    await flush(p);
    expect(written.name).toBe('Stipple inpaint · seed 7');
    expect(p.figma.undoSteps).toHaveLength(1);
    p.figma.triggerUndo();
    expect(p.figma.snapshot()).toEqual(before);
    follower.stop();
    live.close();
  }, 120_000);
});
