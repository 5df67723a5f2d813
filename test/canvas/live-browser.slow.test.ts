/**
 * Live mode in the demo, in Debian's Chromium with the tiny inpainting model
 * in the demo's Worker engine: strokes painted with the mouse update the live
 * layer, a burst of fast strokes builds no backlog, Keep turns the live state
 * into a normal result that Apply and Undo handle as usual. Screenshots of
 * each live state go to test/artifacts.
 */
import { rm } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveTestHook } from '../../plugins/canvas/Live';
import type { TestHook } from '../../plugins/canvas/main';
import { buildDemo } from '../../plugins/canvas/build.mjs';
import { startDemoServer } from '../../plugins/canvas/serve.mjs';
import { artifact, launchChromium, tempDir, watchErrors } from './browser';

declare global {
  interface Window {
    __stipple: TestHook;
    __stippleLive: LiveTestHook;
  }
}

describe('canvas demo: Live mode in Chromium', () => {
  let dir: string;
  let server: { url: string; close(): Promise<void> };
  let browser: Browser;
  let page: Page;
  let errors: string[];

  const drag = async (points: [number, number][], steps = 8): Promise<void> => {
    const box = (await page.locator('.stipple-mask').boundingBox())!;
    const at = ([fx, fy]: [number, number]): [number, number] => [box.x + fx * box.width, box.y + fy * box.height];
    await page.mouse.move(...at(points[0]!));
    await page.mouse.down();
    for (const p of points.slice(1)) await page.mouse.move(...at(p), { steps });
    await page.mouse.up();
  };
  const stats = () => page.evaluate(() => window.__stippleLive.stats()!);
  // Generous: the first run loads the model in the worker, and the CI machine is shared.
  const upToDate = async (): Promise<void> => {
    await page.waitForFunction(
      () => {
        const h = window.__stippleLive;
        return h.state() === 'up to date' && h.version() === h.latestVersion() && h.version() > 0;
      },
      undefined,
      { timeout: 100_000 },
    );
  };
  const base64 = (which: 'image' | 'original'): Promise<string> => page.evaluate((w) => window.__stipple.pixels(w).base64, which);
  const layerPixels = (): Promise<string> =>
    page.evaluate(() => {
      const c = document.querySelector<HTMLCanvasElement>('[data-testid="live-layer"]')!;
      return c.toDataURL();
    });

  beforeAll(async () => {
    dir = await tempDir('stipple-live-demo-');
    await buildDemo({ outdir: dir });
    server = await startDemoServer({ port: 0, demoDir: dir });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1100 }, colorScheme: 'light' });
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

  it('turns Live on; a stroke updates the live layer and the badge says when it is up to date', async () => {
    await page.getByRole('checkbox', { name: 'Live' }).check();
    await expect.poll(() => page.getByTestId('live-state').textContent()).toBe('Paint a stroke to start');
    expect(await page.getByTestId('live-layer').isVisible()).toBe(false);
    await page.screenshot({ path: artifact('live-1-on.png'), fullPage: true });

    await drag([
      [0.3, 0.4],
      [0.5, 0.5],
      [0.65, 0.45],
    ]);
    await upToDate();
    expect(await page.getByTestId('live-state').textContent()).toBe('Up to date');
    expect(await page.getByTestId('live-layer').isVisible()).toBe(true);
    const first = await layerPixels();
    await page.screenshot({ path: artifact('live-2-up-to-date.png'), fullPage: true });

    // Another stroke: a new state, a new layer.
    await drag([
      [0.2, 0.7],
      [0.4, 0.8],
    ]);
    await upToDate();
    expect(await layerPixels()).not.toBe(first);
    // The document is untouched by live runs.
    expect(await base64('image')).toBe(await base64('original'));
    expect(errors).toEqual([]);
  }, 240_000);

  it('shows "Updating…" while a run is in flight', async () => {
    // A longer run: 60 steps on the tiny model.
    await page.getByLabel('Steps', { exact: true }).fill('60');
    await page.waitForFunction(() => window.__stippleLive.state() === 'updating', undefined, { timeout: 100_000 });
    expect(await page.getByTestId('live-state').textContent()).toBe('Updating…');
    await page.screenshot({ path: artifact('live-3-updating.png'), fullPage: true });
    await upToDate();
    await page.getByLabel('Steps', { exact: true }).fill('20');
    await upToDate();
  }, 240_000);

  it('fast strokes build no backlog: at most 2 runs start after the last stroke, and the layer shows it', async () => {
    const before = await stats();
    for (let i = 0; i < 10; i++) {
      await drag(
        [
          [0.1 + i * 0.07, 0.15],
          [0.15 + i * 0.07, 0.25],
        ],
        2,
      );
    }
    const atLast = await stats();
    await upToDate();
    const after = await stats();
    expect(atLast.updates - before.updates).toBe(10);
    expect(after.runsStarted - atLast.runsStarted).toBeLessThanOrEqual(2);
    // Coalesced: fewer runs than strokes.
    expect(after.runsStarted - before.runsStarted).toBeLessThan(10);
    console.log(`live burst: 10 strokes -> ${after.runsStarted - before.runsStarted} runs, ${after.runsStarted - atLast.runsStarted} after the last`);
  });

  it('Keep makes a normal result: Apply changes the image, Undo restores it', async () => {
    const original = await base64('original');
    await page.getByRole('button', { name: 'Keep' }).click();
    await page.getByRole('button', { name: 'Apply' }).waitFor({ timeout: 100_000 });
    expect(await page.evaluate(() => window.__stipple.host.results?.images.length)).toBe(1);
    expect(await page.evaluate(() => window.__stipple.state().history.length)).toBe(1);
    await page.screenshot({ path: artifact('live-4-kept.png'), fullPage: true });

    await page.getByRole('button', { name: 'Apply' }).click();
    expect(await base64('image')).not.toBe(original);
    await page.getByRole('button', { name: 'Undo' }).click();
    expect(await base64('image')).toBe(original);
    expect(errors).toEqual([]);
  });

  it('turning Live off hides the layer and stops the session', async () => {
    await page.getByRole('checkbox', { name: 'Live' }).uncheck();
    expect(await page.getByTestId('live-layer').isVisible()).toBe(false);
    expect(await page.evaluate(() => window.__stippleLive.state())).toBe('closed');
  });
});
