/**
 * The demo, served as `npm start` serves it, in Debian's Chromium: paint a
 * mask with the mouse, run inpaint with the tiny fixture model and watch
 * progress, check that the result outside the feathered mask is the
 * original byte for byte, compare before/after, apply, undo, cancel a long
 * run in the middle, export a PNG. Screenshots go to test/artifacts.
 */
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blurMask, growMask, type Mask } from '../../core/image';
import { buildDemo } from '../../plugins/canvas/build.mjs';
import { startDemoServer } from '../../plugins/canvas/serve.mjs';
import type { TestHook } from '../../plugins/canvas/main';
import type { PanelParams } from '../../plugins/ui';
import { artifact, contrastFailures, launchChromium, tempDir, watchErrors } from './browser';

declare global {
  interface Window {
    __stipple: TestHook;
    __stepTexts: string[];
  }
}

interface Pixels {
  width: number;
  height: number;
  bytes: Uint8Array;
}

describe('canvas demo in Chromium', () => {
  let dir: string;
  let server: { url: string; close(): Promise<void> };
  let browser: Browser;
  let page: Page;
  let errors: string[];

  const pixels = async (which: 'original' | 'image' | 'displayed' | 'mask'): Promise<Pixels> => {
    const p = await page.evaluate((w) => window.__stipple.pixels(w), which);
    return { width: p.width, height: p.height, bytes: new Uint8Array(Buffer.from(p.base64, 'base64')) };
  };
  const mask = async (): Promise<Mask> => {
    const p = await pixels('mask');
    const data = new Float32Array(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength / 4);
    return { width: p.width, height: p.height, data: new Float32Array(data) };
  };
  const runStatus = (): Promise<string> => page.evaluate(() => window.__stipple.state().run.status);
  const equalBytes = (a: Pixels, b: Pixels): boolean => a.bytes.length === b.bytes.length && Buffer.compare(Buffer.from(a.bytes), Buffer.from(b.bytes)) === 0;

  /** Drags the mouse across the image, in fractions of its size. */
  const drag = async (points: [number, number][]): Promise<void> => {
    const box = (await page.locator('.stipple-mask').boundingBox())!;
    const at = ([fx, fy]: [number, number]): [number, number] => [box.x + fx * box.width, box.y + fy * box.height];
    await page.mouse.move(...at(points[0]!));
    await page.mouse.down();
    for (const p of points.slice(1)) await page.mouse.move(...at(p), { steps: 8 });
    await page.mouse.up();
  };

  const setNumber = async (label: string, value: number): Promise<void> => {
    await page.getByLabel(label, { exact: true }).fill(String(value));
  };

  beforeAll(async () => {
    dir = await tempDir('stipple-demo-');
    await buildDemo({ outdir: dir });
    server = await startDemoServer({ port: 0, demoDir: dir });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 960 }, colorScheme: 'light' });
    errors = watchErrors(page);
    await page.goto(server.url);
    await page.waitForFunction(() => window.__stipple !== undefined);
    await page.evaluate(() => window.__stipple.ready);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('opens offline with a picture, the tiny model, and says plainly what that model is', async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    await expect.poll(() => page.locator('.stp-model-section summary').textContent()).toContain('Tiny SD inpainting');
    const notice = await page.getByRole('note').textContent();
    expect(notice).toContain('tiny test model with random weights: its output is noise');
    expect(notice).toMatch(/preset.*URL.*folder/s);
    const original = await pixels('original');
    expect(original.width).toBe(256);
    expect(await page.getByRole('button', { name: 'Run Inpaint' }).isDisabled()).toBe(true); // no mask yet
    expect(await page.getByText('Paint the area to change on the image first.').isVisible()).toBe(true);
    // The engine runs in the demo's own Worker (worker.js), which says where and why.
    expect(page.workers().some((w) => new URL(w.url()).pathname === '/worker.js')).toBe(true);
    const backend = await page.getByTestId('backend').textContent();
    expect(backend).toMatch(/^Engine \(Web Worker\): (WebGPU|WASM) .{10,}/);
    expect(await page.getByTestId('backend').getAttribute('data-backend')).toMatch(/^(webgpu|wasm)$/);
    console.log(`demo engine: ${backend}`);
    await page.screenshot({ path: artifact('demo-1-initial-light.png'), fullPage: true });
  });

  it('paints a mask with mouse drags (brush and rectangle), undoably', async () => {
    await drag([
      [0.25, 0.45],
      [0.5, 0.5],
      [0.7, 0.42],
    ]);
    let m = await mask();
    const at = (fx: number, fy: number): number => m.data[Math.floor(fy * m.height) * m.width + Math.floor(fx * m.width)]!;
    expect(at(0.5, 0.5)).toBe(1);
    expect(at(0.05, 0.05)).toBe(0);
    expect(at(0.5, 0.9)).toBe(0);
    const strokeSum = m.data.reduce((a, b) => a + b, 0);

    await page.getByRole('radio', { name: 'Rectangle' }).check();
    await drag([
      [0.55, 0.7],
      [0.8, 0.85],
    ]);
    m = await mask();
    expect(at(0.7, 0.8)).toBe(1);
    expect(m.data.reduce((a, b) => a + b, 0)).toBeGreaterThan(strokeSum + 1000);
    await page.getByRole('button', { name: 'Undo' }).click();
    m = await mask();
    expect(m.data.reduce((a, b) => a + b, 0)).toBeCloseTo(strokeSum, 3);
    await page.getByRole('radio', { name: 'Brush' }).check();
    expect(await page.getByRole('button', { name: 'Run Inpaint' }).isEnabled()).toBe(true);
    await page.screenshot({ path: artifact('demo-2-mask.png'), fullPage: true });
  });

  it('runs inpaint with progress; outside the feathered mask the result is the original, byte for byte', async () => {
    await setNumber('Steps', 8);
    await setNumber('Seed', 42);
    await page.evaluate(() => {
      window.__stepTexts = [];
      new MutationObserver(() => {
        const t = document.querySelector('[data-testid="step-count"]')?.textContent;
        if (t && window.__stepTexts.at(-1) !== t) window.__stepTexts.push(t);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    const before = await pixels('image');
    await page.getByRole('button', { name: 'Run Inpaint' }).click();
    await page.getByText(/^Done in/).waitFor({ timeout: 60_000 });
    const stepTexts = await page.evaluate(() => window.__stepTexts);
    expect(stepTexts.length).toBeGreaterThanOrEqual(3);
    // Steps 8 reads "of 8", though the model's PNDM scheduler runs 9 UNet evaluations.
    expect(stepTexts.at(-1)).toMatch(/^Step 8 of 8/);
    expect(stepTexts.filter((t) => t.startsWith('Step')).every((t) => / of 8\b/.test(t))).toBe(true);

    const params = (await page.evaluate(() => window.__stipple.lastParams())) as PanelParams;
    expect(params).toMatchObject({ operation: 'inpaint', steps: 8, seed: 42, maskBlur: 4, maskGrow: 0 });
    const result = await pixels('displayed');
    const m = await mask();
    const feathered = blurMask(params.maskGrow ? growMask(m, params.maskGrow) : m, params.maskBlur);
    let outside = 0;
    let changedInside = 0;
    for (let i = 0; i < feathered.data.length; i++) {
      const same = [0, 1, 2, 3].every((c) => result.bytes[i * 4 + c] === before.bytes[i * 4 + c]);
      if (feathered.data[i] === 0) {
        outside++;
        if (!same) throw new Error(`pixel ${i % m.width},${Math.floor(i / m.width)} outside the feathered mask changed`);
      } else if (!same) changedInside++;
    }
    expect(outside).toBeGreaterThan(result.width * result.height * 0.5);
    expect(changedInside).toBeGreaterThan(500);
    // the document itself is unchanged until the result is applied
    expect(equalBytes(await pixels('image'), before)).toBe(true);
    expect(await page.getByText('Showing the result, not applied yet.').isVisible()).toBe(true);
    await page.screenshot({ path: artifact('demo-3-result.png'), fullPage: true });

    await page.getByRole('button', { name: 'Show before' }).click();
    expect(await page.getByRole('button', { name: 'Show before' }).getAttribute('aria-pressed')).toBe('true');
    expect(equalBytes(await pixels('displayed'), before)).toBe(true);
    await page.screenshot({ path: artifact('demo-4-before.png') });
    await page.getByRole('button', { name: 'Show before' }).click();
    expect(await page.getByRole('button', { name: 'Show before' }).getAttribute('aria-pressed')).toBe('false');
    expect(equalBytes(await pixels('displayed'), result)).toBe(true);
  });

  it('applies the result as a layer; undo restores the previous state, redo reapplies', async () => {
    const before = await pixels('image');
    const result = await pixels('displayed');
    await page.getByRole('button', { name: 'Apply' }).click();
    expect(equalBytes(await pixels('image'), result)).toBe(true);
    expect(await page.evaluate(() => window.__stipple.host.document.layers.length)).toBe(1);
    // The pending result is gone, a note says what happened, focus is on Run, and the mask tint is off the result.
    expect(await page.getByRole('button', { name: 'Apply' }).count()).toBe(0);
    expect(await page.locator('.stp-applied').textContent()).toBe('Applied as a new layer. Ctrl+Z takes it back.');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Run Inpaint');
    expect(await page.evaluate(() => window.__stipple.host.settings.showMask)).toBe(false);

    await page.getByRole('button', { name: 'Undo' }).click();
    expect(equalBytes(await pixels('image'), before)).toBe(true);
    expect(await page.evaluate(() => window.__stipple.host.document.layers.length)).toBe(0);
    expect(await page.getByRole('button', { name: 'Apply' }).isVisible()).toBe(true); // the result is pending again
    expect(equalBytes(await pixels('original'), before)).toBe(true); // the original never changes

    await page.keyboard.press('Control+Shift+Z');
    expect(equalBytes(await pixels('image'), result)).toBe(true);
    await page.screenshot({ path: artifact('demo-5-applied.png'), fullPage: true });
  });

  it('cancels a long run in the middle and leaves the document as it was', async () => {
    const image = await pixels('image');
    const maskBefore = await mask();
    const history = await page.evaluate(() => window.__stipple.state().history.length);
    const undoable = await page.evaluate(() => window.__stipple.host.document.history.length);
    // Long enough that the run is still going after the screenshot (the Worker engine runs a
    // tiny-model step in ~30 ms: 100 steps could end before the click); cancel ends it early anyway.
    await setNumber('Steps', 500);
    await page.getByRole('button', { name: 'Run Inpaint' }).click();
    await page.waitForFunction(() => {
      const r = window.__stipple.state().run;
      return r.status === 'running' && r.step >= 3;
    });
    await page.screenshot({ path: artifact('demo-6-running.png'), fullPage: true });
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByText('Cancelled. Nothing was changed.').waitFor({ timeout: 30_000 });
    const run = await page.evaluate(() => window.__stipple.state().run);
    expect(run.status).toBe('cancelled');
    expect(await page.evaluate(() => window.__stipple.host.busy)).toBe(false);
    expect(equalBytes(await pixels('image'), image)).toBe(true);
    expect(Array.from((await mask()).data)).toEqual(Array.from(maskBefore.data));
    expect(await page.evaluate(() => window.__stipple.state().history.length)).toBe(history);
    expect(await page.evaluate(() => window.__stipple.host.document.history.length)).toBe(undoable);
    expect(await page.evaluate(() => window.__stipple.host.results)).toBeNull();
    await page.screenshot({ path: artifact('demo-7-cancelled.png'), fullPage: true });
  });

  it('has keyboard shortcuts on the focused canvas', async () => {
    await page.locator('.stipple-mask').focus();
    await page.keyboard.press('e');
    expect(await page.getByRole('radio', { name: 'Eraser' }).isChecked()).toBe(true);
    await page.keyboard.press(']');
    expect(await page.evaluate(() => window.__stipple.host.settings.brushSize)).toBe(51);
    await page.keyboard.press('[');
    await page.keyboard.press('b');
    expect(await page.getByRole('radio', { name: 'Brush' }).isChecked()).toBe(true);
    // One undo per key press (the canvas and the page both listen): the latest change is the applied result.
    const layers = (): Promise<number> => page.evaluate(() => window.__stipple.host.document.layers.length);
    expect(await layers()).toBe(1);
    const maskBefore = await mask();
    await page.keyboard.press('Control+z');
    expect(await layers()).toBe(0);
    expect(Array.from((await mask()).data)).toEqual(Array.from(maskBefore.data));
    await page.keyboard.press('Control+Shift+z');
    expect(await layers()).toBe(1);
  });

  it('loads another model from the presets and picks among variants of an SDEdit', async () => {
    await page.locator('.stp-model-section summary').click();
    await page.getByLabel('Preset').selectOption('tiny-sd');
    await page.getByRole('button', { name: 'Load' }).first().click();
    await expect.poll(() => page.locator('.stp-model-section summary').textContent(), { timeout: 30_000 }).toContain('Tiny SD (test model');
    // A plain model cannot inpaint: the panel moved to an edit it can run.
    expect(await page.evaluate(() => window.__stipple.state().params.operation)).toBe('mask-edit');
    await page.getByRole('radio', { name: 'SDEdit' }).check();
    await setNumber('Steps', 4);
    await setNumber('Variants per run', 2);
    await page.getByRole('button', { name: 'Run SDEdit' }).click();
    await page.getByText(/^Done in/).waitFor({ timeout: 60_000 });
    const variants = page.getByRole('radio', { name: /^Variant/ });
    expect(await variants.count()).toBe(2);
    const first = await pixels('displayed');
    await variants.nth(1).check();
    const second = await pixels('displayed');
    expect(equalBytes(first, second)).toBe(false);
    await page.screenshot({ path: artifact('demo-9-variants.png'), fullPage: true });
    await page.getByRole('button', { name: 'Apply variant 2' }).click();
    expect(equalBytes(await pixels('image'), second)).toBe(true);
  });

  it('edits by description: the found area becomes the canvas mask (tinted, editable), the result a layer', async () => {
    await page.evaluate(() => window.__stipple.host.clearMask());
    await page.getByRole('radio', { name: 'Edit by description' }).check();
    const run = page.getByRole('button', { name: 'Run Edit by description' });
    expect(await run.isDisabled()).toBe(true); // no source prompt yet: no selection or mask is asked for
    await page.getByLabel('What the image shows', { exact: true }).fill('a house on a hill');
    await page.getByLabel('What it should show', { exact: true }).fill('a castle on a hill');
    await setNumber('Steps', 4);
    await setNumber('Variants per run', 1);
    await setNumber('Area threshold', 1.2);
    await setNumber('Area samples', 2);
    const before = await pixels('image');
    await run.click();
    await expect.poll(async () => (await page.evaluate(() => window.__stipple.lastParams()))?.operation).toBe('diffedit');
    await expect.poll(runStatus, { timeout: 60_000 }).toBe('done');
    const params = (await page.evaluate(() => window.__stipple.lastParams())) as PanelParams;
    expect(params).toMatchObject({ sourcePrompt: 'a house on a hill', maskMaps: 2, maskThreshold: 1.2 });
    const m = await mask();
    const marked = m.data.filter((v) => v === 1).length;
    expect(marked).toBeGreaterThan(0);
    expect(marked).toBeLessThan(m.data.length);
    expect(m.data.every((v) => v === 0 || v === 1)).toBe(true);
    const result = await pixels('displayed');
    const feathered = blurMask(m, params.maskBlur);
    for (let i = 0; i < feathered.data.length; i++) {
      if (feathered.data[i] !== 0) continue;
      if (![0, 1, 2, 3].every((c) => result.bytes[i * 4 + c] === before.bytes[i * 4 + c])) throw new Error(`pixel ${i} outside the found area changed`);
    }
    await page.screenshot({ path: artifact('demo-10-diffedit.png'), fullPage: true });
    // The found area is the canvas mask: mask tools edit it (undoably), and the next run would use it.
    const free = m.data.indexOf(0);
    const at = { x: free % m.width, y: Math.floor(free / m.width) };
    await page.evaluate((p) => window.__stipple.host.document.paintRect(p, { x: p.x + 3, y: p.y + 3 }), at);
    expect((await mask()).data.filter((v) => v > 0).length).toBeGreaterThan(marked);
    await page.getByRole('button', { name: 'Undo' }).click();
    expect(Array.from((await mask()).data)).toEqual(Array.from(m.data));
    await page.getByRole('button', { name: 'Apply' }).click();
    expect(equalBytes(await pixels('image'), result)).toBe(true);
    expect(errors).toEqual([]);
  });

  it('exports the image as a PNG', async () => {
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export PNG' }).click();
    const d = await download;
    expect(d.suggestedFilename()).toBe('stipple.png');
    const stream = await d.createReadStream();
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    const png = Buffer.concat(chunks);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(256); // IHDR width
  });

  it('reads well in the light and dark themes', async () => {
    const light = await contrastFailures(page);
    expect(light.checked).toBeGreaterThan(50);
    expect(light.failures).toEqual([]);
    await page.emulateMedia({ colorScheme: 'dark' });
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).toBe('rgb(27, 28, 31)');
    const dark = await contrastFailures(page);
    expect(dark.failures).toEqual([]);
    await page.screenshot({ path: artifact('demo-8-dark.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
    expect(errors).toEqual([]);
  });

  it('opens a picture from a file, starting a new document', async () => {
    const file = fileURLToPath(new URL('../fixtures/tiny-sd/golden/inpaint_9ch/input.png', import.meta.url));
    await page.locator('input[type="file"][accept="image/*"]').setInputFiles(file);
    await page.getByText('Opened input.png (64×64).').waitFor();
    expect((await pixels('original')).width).toBe(64);
    expect(await page.evaluate(() => window.__stipple.host.canUndo)).toBe(false);
    expect((await mask()).data.every((v) => v === 0)).toBe(true);
    expect(errors).toEqual([]);
  });
});
