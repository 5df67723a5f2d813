/**
 * The adapter's Photopea scripts: ES5 only, every value escaped (layer
 * names and prompts cannot inject code), and each script doing what it
 * says against the emulated document, which it leaves as it found it.
 */
import { describe, expect, it } from 'vitest';
import { decodePng } from '../../core/image/png-node';
import {
  ECHO_PREFIX,
  exportActiveLayerScript,
  exportDocumentScript,
  exportSelectionMaskScript,
  infoScript,
  jsNumber,
  jsString,
  openLayerScript,
  parseEchoes,
  placeLayerScript,
  scriptFailure,
} from '../../adapters/photopea/script';
import { maskFromSelectionImage } from '../../adapters/photopea/document';
import { rectangularSelection } from '../../adapters/photopea/reselect';
import { pngDataUrl, encodePng as exactEncodePng } from '../../adapters/photopea/png';
import { es2015Features } from './es5';
import { emulator, pattern, rectSelection } from './helpers';
import type { PhotopeaEmulator } from './emulator';

const EVIL = [
  '"); app.documents.length = 0; ("',
  "'); app.echoToOE('pwned'); ('",
  'back\\slash \\" \\\\" end',
  'line\nbreak\r\u2028\u2029',
  '</script><script>alert(1)</script><!--',
  '${app.echoToOE("tpl")} `tick` => let const class',
  '\u0000\u0001stipple:error:"boom"',
  'emoji 🦊 and lone \ud800 surrogate',
];

/** Runs a script through the emulator's reply protocol; returns the messages (without "done"). */
async function reply(emu: PhotopeaEmulator, script: string): Promise<{ strings: string[]; buffers: ArrayBuffer[] }> {
  const strings: string[] = [];
  const buffers: ArrayBuffer[] = [];
  let done = 0;
  await emu.receive(script, (m) => {
    if (m === 'done') done++;
    else if (typeof m === 'string') strings.push(m);
    else buffers.push(m);
  });
  expect(done).toBe(1);
  return { strings, buffers };
}

function layerDoc(emu: PhotopeaEmulator, selection: Uint8Array | null = rectSelection(24, 16, { x: 4, y: 3, width: 10, height: 6 })): void {
  emu.openDocument({
    width: 24,
    height: 16,
    layers: [
      { name: 'Top', image: pattern(8, 8, 3), x: 12, y: 6 },
      { name: 'Group', layers: [{ name: 'Inner', image: pattern(6, 6, 4), x: 1, y: 1 }] },
      { name: 'Background', image: pattern(24, 16, 1) },
    ],
    selection,
    active: [2],
  });
}

describe('jsString', () => {
  it('round-trips any text as a string literal', () => {
    const samples = [...EVIL, '', 'plain', '\t\v\f\b', '\u00e9\u4e2d\ud83e\udd8a', 'a'.repeat(5000)];
    for (let i = 0; i < 200; i++) {
      let s = '';
      for (let j = 0; j < 20; j++) s += String.fromCharCode(Math.floor(Math.random() * 0x10000));
      samples.push(s);
    }
    for (const s of samples) {
      const lit = jsString(s);
      // eslint-disable-next-line @typescript-eslint/no-implied-eval
      expect(new Function(`return ${lit};`)()).toBe(s);
      expect(lit).not.toMatch(/[\u2028\u2029<\n\r]/);
    }
  });

  it('refuses what is not a string, and numbers must be finite', () => {
    expect(() => jsString(42 as unknown as string)).toThrow(TypeError);
    expect(jsNumber(-0)).toBe('0');
    expect(jsNumber(12.5)).toBe('12.5');
    expect(() => jsNumber(NaN)).toThrow(TypeError);
    expect(() => jsNumber(Infinity)).toThrow(TypeError);
  });
});

describe('scripts are ES5', () => {
  const url = 'data:image/png;base64,iVBORw0KGgo=';
  const scripts: Record<string, string> = {
    info: infoScript(),
    exportDocument: exportDocumentScript(),
    exportActiveLayer: exportActiveLayerScript(),
    exportSelectionMask: exportSelectionMaskScript(),
    openLayer: openLayerScript(url),
    ...Object.fromEntries(EVIL.map((name, i) => [`placeLayer ${i}`, placeLayerScript({ before: 3, x: 1, y: 2, width: 3, height: 4, name })])),
  };
  for (const [name, script] of Object.entries(scripts)) {
    it(`${name} uses no ES2015+ syntax`, () => {
      expect(es2015Features(script)).toEqual([]);
    });
  }

  it('the checker itself catches ES2015+ syntax (but not inside strings)', () => {
    expect(es2015Features('var f = (a) => a;')).toContain('arrow function');
    expect(es2015Features('let a = 1;')).toContain('let/const');
    expect(es2015Features('var s = `x`;')).toContain('template literal');
    expect(es2015Features('class A {}')).toContain('class');
    expect(es2015Features('var o = { a };')).toContain('shorthand property');
    expect(es2015Features('function f(a = 1) {}')).toContain('default/rest parameter');
    expect(es2015Features('var a = b?.c;')).toContain('optional chaining');
    expect(es2015Features('var s = "=> let const `class`";')).toEqual([]);
    expect(es2015Features('var = ;')[0]).toMatch(/syntax error/);
  });

  it('openLayerScript only takes a PNG data URL', () => {
    expect(() => openLayerScript('javascript:alert(1)')).toThrow(TypeError);
    expect(() => openLayerScript('data:image/png;base64,AA"+alert(1)+"')).toThrow(TypeError);
  });
});

describe('scripts against the emulated document', () => {
  it('info: size, selection bounds, layer count, or null without a document', async () => {
    const emu = emulator();
    expect(parseEchoes((await reply(emu, infoScript())).strings).get('info')).toEqual([null]);
    layerDoc(emu);
    const info = parseEchoes((await reply(emu, infoScript())).strings).get('info')?.[0];
    expect(info).toEqual({ width: 24, height: 16, selection: { x: 4, y: 3, width: 10, height: 6 }, layers: 4, activeLayer: 'Background', name: 'Untitled' });
    emu.openDocument({ width: 5, height: 4, layers: [{ name: 'L', image: pattern(5, 4) }] });
    expect((parseEchoes((await reply(emu, infoScript())).strings).get('info')?.[0] as { selection: unknown }).selection).toBeNull();
  });

  it('a script that needs a document reports NO_DOCUMENT', async () => {
    const emu = emulator();
    const r = await reply(emu, exportDocumentScript());
    expect(r.buffers).toHaveLength(0);
    expect(scriptFailure(parseEchoes(r.strings))).toEqual({ code: 'NO_DOCUMENT', message: '\u0001NO_DOCUMENT' });
    expect(emu.scriptErrors).toEqual([]);
  });

  it('exportDocument sends the composite as a PNG', async () => {
    const emu = emulator();
    layerDoc(emu);
    const r = await reply(emu, exportDocumentScript());
    expect(r.buffers).toHaveLength(1);
    const img = decodePng(new Uint8Array(r.buffers[0]!));
    expect(Buffer.from(img.data).equals(Buffer.from(emu.composite().data))).toBe(true);
  });

  it('exportActiveLayer sends the active layer alone and restores every visibility', async () => {
    const emu = emulator();
    emu.openDocument({
      width: 12,
      height: 10,
      layers: [
        { name: 'Hidden', image: pattern(12, 10, 9), visible: false },
        { name: 'Group', layers: [{ name: 'Inner', image: pattern(4, 4, 4), x: 2, y: 3 }, { name: 'Sibling', image: pattern(12, 10, 5) }] },
        { name: 'Background', image: pattern(12, 10, 1) },
      ],
      active: [1, 0],
    });
    const before = emu.snapshot();
    const r = await reply(emu, exportActiveLayerScript());
    const img = decodePng(new Uint8Array(r.buffers[0]!));
    const inner = pattern(4, 4, 4);
    for (let y = 0; y < 10; y++) {
      for (let x = 0; x < 12; x++) {
        const p = (y * 12 + x) * 4;
        const inside = x >= 2 && x < 6 && y >= 3 && y < 7;
        if (inside) expect(img.data[p]).toBe(inner.data[((y - 3) * 4 + x - 2) * 4]);
        expect(img.data[p + 3]).toBe(inside ? 255 : 0);
      }
    }
    expect(emu.snapshot()).toEqual(before);
    expect(emu.activeDocument.history).toEqual(['Stipple: read layer']);
  });

  it('exportSelectionMask: the selection as a mask, feathering kept, document restored exactly', async () => {
    const emu = emulator();
    const sel = new Uint8Array(24 * 16);
    for (let i = 0; i < sel.length; i++) sel[i] = (i * 37) % 256; // every coverage level
    layerDoc(emu, sel);
    const before = emu.snapshot();
    const r = await reply(emu, exportSelectionMaskScript());
    expect(r.buffers).toHaveLength(1);
    const mask = maskFromSelectionImage(decodePng(new Uint8Array(r.buffers[0]!)));
    let worst = 0;
    for (let i = 0; i < sel.length; i++) worst = Math.max(worst, Math.abs(mask.data[i]! - sel[i]! / 255));
    expect(worst).toBeLessThanOrEqual(1.5 / 255);
    expect(emu.snapshot()).toEqual(before);
    expect(emu.activeDocument.history).toEqual(['Stipple: read selection']);
  });

  it('exportSelectionMask with the active layer in a group, without suspendHistory, still restores everything', async () => {
    const emu = emulator({ suspendHistory: false });
    layerDoc(emu);
    emu.activeDocument.active = emu.activeDocument.children[1]!.children[0]!;
    const before = emu.snapshot();
    const r = await reply(emu, exportSelectionMaskScript());
    const mask = maskFromSelectionImage(decodePng(new Uint8Array(r.buffers[0]!)));
    const expected = rectSelection(24, 16, { x: 4, y: 3, width: 10, height: 6 });
    expect(Array.from(mask.data, (v) => Math.round(v * 255))).toEqual(Array.from(expected));
    expect(emu.snapshot()).toEqual(before);
    expect(emu.activeDocument.history.length).toBeGreaterThan(1); // each step its own without suspendHistory
  });

  it('exportSelectionMask without a selection reports NO_SELECTION and changes nothing', async () => {
    const emu = emulator();
    layerDoc(emu, null);
    const before = emu.snapshot();
    const r = await reply(emu, exportSelectionMaskScript());
    expect(scriptFailure(parseEchoes(r.strings))?.code).toBe('NO_SELECTION');
    expect(r.buffers).toHaveLength(0);
    expect(emu.snapshot()).toEqual(before);
  });

  it('open + place: the layer appears after "done", then moves and is named; the selection is kept', async () => {
    const emu = emulator({ openDelayMs: 20 });
    layerDoc(emu);
    const before = emu.snapshot();
    const img = pattern(5, 3, 7);
    const url = pngDataUrl(await exactEncodePng(img));
    const opened = parseEchoes((await reply(emu, openLayerScript(url))).strings).get('open')?.[0];
    expect(opened).toEqual({ layers: 4 });
    const place = placeLayerScript({ before: 4, x: 2, y: 9, width: 5, height: 3, name: EVIL[0]! });
    // Not there yet: Photopea loads the image after answering.
    expect(parseEchoes((await reply(emu, place)).strings).get('place')).toEqual([{ loaded: false }]);
    await emu.settled();
    const placed = parseEchoes((await reply(emu, place)).strings).get('place')?.[0];
    expect(placed).toEqual({ loaded: true, bounds: { x: 2, y: 9, width: 5, height: 3 }, selectionKept: true });
    const after = emu.snapshot();
    expect(after.layers).toHaveLength(4);
    expect(after.layers.filter((l) => l.name !== EVIL[0])).toEqual(before.layers);
    const added = emu.layers().find((l) => l.name === EVIL[0])!;
    expect(added).toMatchObject({ smart: true, x: 2, y: 9 });
    expect(Buffer.from(added.image!.data).equals(Buffer.from(img.data))).toBe(true);
    expect(after.selection).toEqual(before.selection);
    expect(emu.activeDocument.history).toEqual(['Place', `Stipple: ${EVIL[0]}`]);
  });

  it('place without scriptable channels drops the selection rather than moving only selected pixels', async () => {
    const emu = emulator({ channels: false, suspendHistory: false });
    layerDoc(emu);
    const url = pngDataUrl(await exactEncodePng(pattern(6, 6, 2)));
    await reply(emu, openLayerScript(url));
    await emu.settled();
    const placed = parseEchoes((await reply(emu, placeLayerScript({ before: 4, x: 0, y: 0, width: 6, height: 6, name: 'R' }))).strings).get('place')?.[0];
    expect(placed).toEqual({ loaded: true, bounds: { x: 0, y: 0, width: 6, height: 6 }, selectionKept: false });
    expect(emu.snapshot().selection).toBeNull();
  });

  it('place without scriptable channels selects a rectangular selection again (Selection.select)', async () => {
    const emu = emulator({ channels: false, suspendHistory: false });
    layerDoc(emu);
    const before = emu.snapshot().selection;
    const url = pngDataUrl(await exactEncodePng(pattern(6, 6, 2)));
    await reply(emu, openLayerScript(url));
    await emu.settled();
    const reselect = { x: 4, y: 3, width: 10, height: 6 };
    const placed = parseEchoes((await reply(emu, placeLayerScript({ before: 4, x: 0, y: 0, width: 6, height: 6, name: 'R', reselect }))).strings).get('place')?.[0];
    expect(placed).toEqual({ loaded: true, bounds: { x: 0, y: 0, width: 6, height: 6 }, selectionKept: true });
    expect(emu.snapshot().selection).toEqual(before);
    // Where neither channels nor Selection.select exist, it is dropped (and said so).
    const bare = emulator({ channels: false, suspendHistory: false, selectRegion: false });
    layerDoc(bare);
    await reply(bare, openLayerScript(url));
    await bare.settled();
    const dropped = parseEchoes((await reply(bare, placeLayerScript({ before: 4, x: 0, y: 0, width: 6, height: 6, name: 'R', reselect }))).strings).get('place')?.[0];
    expect(dropped).toMatchObject({ selectionKept: false });
    expect(bare.snapshot().selection).toBeNull();
  });

  it('rectangularSelection accepts exactly a rectangle, inside what was read', () => {
    const region = { x: 2, y: 1, width: 8, height: 6 };
    const mask = (inside: (x: number, y: number) => number) => {
      const data = new Float32Array(region.width * region.height);
      for (let y = 0; y < region.height; y++) for (let x = 0; x < region.width; x++) data[y * region.width + x] = inside(x + region.x, y + region.y);
      return { width: region.width, height: region.height, data };
    };
    const sel = { x: 4, y: 2, width: 3, height: 2 };
    const rect = (x: number, y: number) => (x >= 4 && x < 7 && y >= 2 && y < 4 ? 1 : 0);
    expect(rectangularSelection(mask(rect), region, sel)).toEqual(sel);
    // A feathered or oval selection is not a rectangle.
    expect(rectangularSelection(mask((x, y) => (x === 4 && y === 2 ? 0.5 : rect(x, y))), region, sel)).toBeNull();
    expect(rectangularSelection(mask((x, y) => (x === 4 && y === 2 ? 0 : rect(x, y))), region, sel)).toBeNull();
    // Bounds reaching outside the region read cannot be checked.
    expect(rectangularSelection(mask(rect), region, { x: 0, y: 2, width: 7, height: 2 })).toBeNull();
  });

  it('place never moves a layer of another size (another layer was picked meanwhile)', async () => {
    const emu = emulator();
    layerDoc(emu);
    const url = pngDataUrl(await exactEncodePng(pattern(5, 3, 7)));
    await reply(emu, openLayerScript(url));
    await emu.settled();
    emu.activeDocument.active = emu.activeDocument.children.find((l) => l.name === 'Top')!;
    const before = emu.snapshot();
    const r = await reply(emu, placeLayerScript({ before: 4, x: 0, y: 0, width: 5, height: 3, name: 'R' }));
    expect(scriptFailure(parseEchoes(r.strings))?.code).toBe('NEW_LAYER_NOT_FOUND');
    expect(emu.snapshot()).toEqual(before);
  });

  it('hostile layer names stay text: nothing else runs', async () => {
    for (const name of EVIL) {
      const emu = emulator({ openDelayMs: 0 });
      layerDoc(emu);
      await reply(emu, openLayerScript(pngDataUrl(await exactEncodePng(pattern(2, 2)))));
      await emu.settled();
      const r = await reply(emu, placeLayerScript({ before: 4, x: 1, y: 1, width: 2, height: 2, name }));
      expect(r.strings.filter((s) => !s.startsWith(ECHO_PREFIX))).toEqual([]);
      expect([...parseEchoes(r.strings).keys()]).toEqual(['place']);
      expect(emu.layers().map((l) => l.name)).toContain(name);
      expect(emu.documents).toHaveLength(1);
      expect(emu.scriptErrors).toEqual([]);
    }
  });

  it('the emulator is strict: unknown properties and read-only writes throw', () => {
    const emu = emulator();
    layerDoc(emu);
    expect(() => emu.evaluate('app.activeDocument.nonsense;')).toThrow(/no property "nonsense"/);
    expect(() => emu.evaluate('app.activeDocument.width = 3;')).toThrow(/read-only/);
    expect(() => emu.evaluate('app.activeDocument.layers[0].layers;')).toThrow(/no property "layers"/);
    expect(() => emu.evaluate('app.open("x", null, false);')).toThrow(/asSmart/);
  });
});
