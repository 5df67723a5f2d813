/**
 * CanvasHost, the canvas adapter's public API, on a bare page in Chromium:
 * attach to an <img> and a CSS-scaled <canvas>, paint with the pointer
 * (brush, Alt-erase, rectangle), keyboard shortcuts, run with a stand-in
 * engine (events, before/after, apply, cancel), export, and detach.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, servePage } from './browser';

describe('CanvasHost in Chromium', () => {
  let server: { url: string; close(): Promise<void> };
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  /** Coverage of image pixel (x, y) of the current mask. */
  const maskAt = async (x: number, y: number): Promise<number> => {
    const [m, w] = await page.evaluate(() => [window.__t.mask(), window.__t.host().document.width] as const);
    return m[y * w + x]!;
  };

  /** Drags over the painting surface, in CSS px from its top-left corner. */
  const drag = async (points: [number, number][], modifiers: 'Alt'[] = []): Promise<void> => {
    const box = (await page.locator('.stipple-mask').boundingBox())!;
    for (const m of modifiers) await page.keyboard.down(m);
    await page.mouse.move(box.x + points[0]![0], box.y + points[0]![1]);
    await page.mouse.down();
    for (const [x, y] of points.slice(1)) await page.mouse.move(box.x + x, box.y + y, { steps: 4 });
    await page.mouse.up();
    for (const m of modifiers) await page.keyboard.up(m);
  };

  beforeAll(async () => {
    server = await servePage('test/canvas/pages/host-harness.ts');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 600, height: 500 } });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.waitForFunction(() => window.__t !== undefined);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('attaches to an image: reads its pixels, lays the surface over it at its size', async () => {
    await page.evaluate(() => window.__t.attach('img'));
    const info = await page.evaluate(() => {
      const h = window.__t.host();
      const img = h.getImage();
      const el = h.element!;
      return {
        size: [img.width, img.height],
        pixel: Array.from(img.data.slice((10 * 64 + 20) * 4, (10 * 64 + 20) * 4 + 4)),
        imgHidden: (document.getElementById('photo') as HTMLImageElement).hidden,
        box: [el.getBoundingClientRect().width, el.getBoundingClientRect().height],
        label: h.surface!.getAttribute('aria-label'),
      };
    });
    expect(info.size).toEqual([64, 48]);
    expect(info.pixel).toEqual([60, 50, 100, 255]);
    expect(info.imgHidden).toBe(true);
    expect(info.box).toEqual([128, 96]);
    expect(info.label).toMatch(/Drag to paint/);
  });

  it('paints where the pointer is (CSS px mapped to image px), erases with Alt, draws rectangles', async () => {
    // CSS scale 2: CSS (40, 40) -> image (20, 20)
    await drag([
      [40, 40],
      [80, 40],
    ]);
    expect(await maskAt(20, 20)).toBe(1);
    expect(await maskAt(30, 20)).toBe(1);
    expect(await maskAt(20, 24)).toBe(0);
    expect(await maskAt(45, 20)).toBe(0);
    await drag(
      [
        [60, 40],
        [60, 41],
      ],
      ['Alt'],
    );
    expect(await maskAt(30, 20)).toBe(0);
    expect(await maskAt(20, 20)).toBe(1);
    await page.evaluate(() => window.__t.host().setTool('rect'));
    await drag([
      [100, 60],
      [120, 80],
    ]);
    expect(await maskAt(55, 35)).toBe(1);
    expect(await maskAt(49, 35)).toBe(0);
    expect(await page.evaluate(() => window.__t.host().document.history.length)).toBe(3);
  });

  it('answers the keyboard on the focused surface', async () => {
    await page.locator('.stipple-mask').focus();
    await page.keyboard.press('b');
    await page.keyboard.press(']');
    expect(await page.evaluate(() => window.__t.host().settings)).toMatchObject({ tool: 'brush', brushSize: 6 });
    await page.keyboard.press('Shift+[');
    expect(await page.evaluate(() => window.__t.host().settings.hardness)).toBe(0.9);
    await page.keyboard.press('Control+z');
    expect(await maskAt(55, 35)).toBe(0);
    await page.keyboard.press('Control+Shift+z');
    expect(await maskAt(55, 35)).toBe(1);
  });

  it('runs an edit: progress, busy and result events, before/after, apply, undo', async () => {
    const outcome = await page.evaluate(async () => {
      const t = window.__t;
      t.events.length = 0;
      const result = await t.host().run(t.engine(3, 5), 'inpaint', { prompt: 'x', count: 2 });
      return { images: result.images.length, events: t.events.map((e) => e[0]) };
    });
    expect(outcome.images).toBe(2);
    expect(outcome.events.filter((e) => e === 'progress')).toHaveLength(3);
    expect(outcome.events[0]).toBe('busy');
    expect(outcome.events.at(-1)).toBe('busy');
    expect(outcome.events).toContain('result');
    // the display shows variant 1: red inverted under the mask, untouched outside
    expect((await page.evaluate(() => window.__t.displayPixel(20, 20)))[0]).toBe(255 - 60);
    expect((await page.evaluate(() => window.__t.displayPixel(5, 5)))[0]).toBe(15);
    await page.evaluate(() => window.__t.host().selectVariant(1));
    expect((await page.evaluate(() => window.__t.displayPixel(20, 20)))[0]).toBe(255 - 60 - 1);
    await page.evaluate(() => window.__t.host().setView('before'));
    expect((await page.evaluate(() => window.__t.displayPixel(20, 20)))[0]).toBe(60);
    await page.evaluate(() => window.__t.host().applyResult());
    expect((await page.evaluate(() => window.__t.host().getImage().data[(20 * 64 + 20) * 4]))).toBe(255 - 60 - 1);
    expect((await page.evaluate(() => window.__t.displayPixel(20, 20)))[0]).toBe(255 - 60 - 1);
    // Undo brings back exactly the state before Apply: the variants pending, in the view it had.
    await page.evaluate(() => window.__t.host().undo());
    expect(await page.evaluate(() => [window.__t.host().view, window.__t.host().results?.images.length])).toEqual(['before', 2]);
    expect((await page.evaluate(() => window.__t.displayPixel(20, 20)))[0]).toBe(60);
    await page.evaluate(() => window.__t.host().toggleView());
    expect((await page.evaluate(() => window.__t.displayPixel(20, 20)))[0]).toBe(255 - 60 - 1);
    await page.evaluate(() => window.__t.host().discardResults());
    expect((await page.evaluate(() => window.__t.displayPixel(20, 20)))[0]).toBe(60);
  });

  it('cancels within a step, reports it, and changes nothing; one edit at a time', async () => {
    const r = await page.evaluate(async () => {
      const t = window.__t;
      const h = t.host();
      t.events.length = 0;
      const run = h.run(t.engine(100, 10), 'inpaint', { prompt: 'x' });
      const second = await h.run(t.engine(1, 1), 'inpaint', { prompt: 'y' }).then(
        () => 'ran',
        (e: Error) => e.message,
      );
      await new Promise((ok) => setTimeout(ok, 50));
      const busy = h.busy;
      h.cancel();
      const error = await run.then(
        () => null,
        (e: { code: string }) => e.code,
      );
      return { second, busy, error, after: h.busy, results: h.results, last: t.events.filter((e) => e[0] === 'error').at(-1) };
    });
    expect(r.second).toMatch(/already running/);
    expect(r.busy).toBe(true);
    expect(r.error).toBe('CANCELLED');
    expect(r.after).toBe(false);
    expect(r.results).toBeNull();
    expect(r.last).toEqual(['error', { cancelled: true }]);
  });

  it('sets and reads masks, exports a PNG, and gives the page its image back on detach', async () => {
    const r = await page.evaluate(async () => {
      const h = window.__t.host();
      const maskImage = { width: 64, height: 48, data: new Uint8ClampedArray(64 * 48 * 4).fill(255) };
      h.setMask(maskImage);
      const full = h.getMask().data.every((v) => v === 1);
      h.invertMask();
      const empty = h.getMask().data.every((v) => v === 0);
      const png = await window.__t.png();
      h.detach();
      const img = document.getElementById('photo') as HTMLImageElement;
      return { full, empty, png, imgVisible: !img.hidden, inHolder: img.parentElement?.id, wrappers: document.querySelectorAll('.stipple-canvas-host').length };
    });
    expect(r).toEqual({ full: true, empty: true, png: { type: 'image/png', width: 64, height: 48 }, imgVisible: true, inHolder: 'holder', wrappers: 0 });
  });

  it('attaches to a CSS-scaled canvas, draws the document on it, and leaves it on detach', async () => {
    await page.evaluate(() => window.__t.attach('canvas'));
    // CSS scale 4: CSS (40, 40) -> image (10, 10); a 16 px brush on screen is 4 image px.
    await page.evaluate(() => window.__t.host().setBrushSize(16));
    await drag([
      [40, 40],
      [41, 40],
    ]);
    expect(await maskAt(10, 10)).toBe(1);
    expect(await maskAt(13, 10)).toBe(0);
    const r = await page.evaluate(async () => {
      const t = window.__t;
      const h = t.host();
      await h.run(t.engine(1, 1), 'inpaint', { prompt: 'x' });
      h.applyResult();
      h.detach();
      const c = document.getElementById('drawing') as HTMLCanvasElement;
      return { red: c.getContext('2d')!.getImageData(10, 10, 1, 1).data[0], display: c.style.display, parent: c.parentElement?.id };
    });
    expect(r).toEqual({ red: 255 - 30, display: '', parent: 'holder' });
    expect(errors).toEqual([]);
  });
  it('sizes the brush in screen px: on a 4000x3000 image shown 400 px wide, a 4 px dab covers 40 image px', async () => {
    await page.evaluate(() => window.__t.attach('large'));
    const box = (await page.locator('.stipple-mask').boundingBox())!;
    expect([box.width, box.height]).toEqual([400, 300]);
    await page.locator('.stipple-mask').scrollIntoViewIfNeeded();
    await drag([
      [200, 150],
      [200, 150],
    ]);
    // Painted across: the dab's width in image px, along the row through its centre (image (2000, 1500)).
    const row = await page.evaluate(() => {
      const m = window.__t.host().getMask();
      let n = 0;
      for (let x = 1800; x < 2200; x++) if (m.data[1500 * m.width + x]! > 0.5) n++;
      return n;
    });
    expect(row).toBeGreaterThanOrEqual(36);
    expect(row).toBeLessThanOrEqual(44);
    // The cursor ring is drawn at the same screen size.
    await page.mouse.move(box.x + 100, box.y + 100);
    expect(await page.locator('.stipple-brush-cursor').evaluate((c) => (c as HTMLElement).style.width)).toBe('4px');
    await page.evaluate(() => window.__t.host().detach());
  });
});
