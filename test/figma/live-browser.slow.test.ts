/**
 * Live mode in the Figma plugin, end to end in Debian's Chromium (harness in
 * browser-harness.ts, tiny inpainting model in the panel): Live follows the
 * selected image and mask shape as the designer moves the mask, says
 * "Updating…" / "Up to date", pauses with nothing selected and while the
 * panel is hidden, and Keep + Apply add one layer that Figma's undo removes.
 * Screenshots of each state go to test/artifacts/figma-live-*.png.
 */
import type { Frame } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveTestHook } from '../../plugins/ui';
import type { FigmaTestHook } from '../../plugins/figma/panel/main';
import { artifact } from '../canvas/browser';
import { startFigmaHarness, type FigmaBrowserHarness } from './browser-harness';
import { FakeFigma, gradient, type FakeShapeNode } from './fake-figma';

declare global {
  interface Window {
    __stippleFigma: FigmaTestHook;
    __stippleFigmaLive: LiveTestHook;
  }
}

describe('Figma plugin: Live mode in Chromium', () => {
  let harness: FigmaBrowserHarness;
  let figma: FakeFigma;
  let frame: Frame;
  let photo: FakeShapeNode;
  let mask: FakeShapeNode;

  const shot = async (name: string) => {
    await frame.getByTestId('live').scrollIntoViewIfNeeded();
    await harness.page.screenshot({ path: artifact(`figma-live-${name}.png`) });
  };
  const badge = () => frame.getByTestId('live-state');
  /** Waits until the live result shows the session's latest state. */
  const upToDate = () =>
    frame.waitForFunction(
      () => {
        const h = window.__stippleFigmaLive;
        return h.state() === 'up to date' && h.version() > 0 && h.version() === h.latestVersion();
      },
      null,
      { timeout: 100_000 },
    );
  const moveMask = (x: number, y: number) => figma.designerEdit(mask, ['x', 'y'], (n) => n._place([[1, 0, x], [0, 1, y]], 24, 24));
  /** Shows or hides the panel as the browser reports it (Figma collapses the plugin window). */
  const setHidden = (hidden: boolean) =>
    frame.evaluate((h) => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (h ? 'hidden' : 'visible') });
      document.dispatchEvent(new Event('visibilitychange'));
    }, hidden);

  beforeAll(async () => {
    harness = await startFigmaHarness('tiny-sd-inpaint');
    figma = new FakeFigma();
    photo = figma.addImageRect({ name: 'Photo', x: 120, y: 80, width: 64, height: 64, pixels: gradient(64, 64) });
    mask = figma.addShape('ELLIPSE', { name: 'Mask', x: 136, y: 96, width: 24, height: 24, color: [255, 0, 0], opacity: 0.5 });
    figma.select(photo, mask);
    frame = await harness.open(figma);
    await frame.waitForFunction(() => window.__stippleFigma?.model() != null && window.__stippleFigma.selection()?.ok === true, null, { timeout: 60_000 });
    await frame.getByLabel('Prompt', { exact: true }).fill('a red fox');
    await frame.getByLabel('Steps', { exact: true }).fill('2');
  }, 120_000);

  afterAll(async () => {
    await harness?.close();
  });

  it('follows the selection: a result, then a new one when the designer moves the mask', async () => {
    expect(figma.loadAllPagesCalls).toBe(0);
    await frame.getByRole('checkbox', { name: 'Live' }).check();
    await upToDate();
    expect(await badge().textContent()).toBe('Up to date');
    expect(await frame.getByRole('img', { name: 'Live result' }).isVisible()).toBe(true);
    // documentchange needed every page loaded first (dynamic-page); the emulator throws otherwise.
    expect(figma.loadAllPagesCalls).toBe(1);
    await shot('1-up-to-date');
    const first = await frame.evaluate(() => window.__stippleFigmaLive.version());

    moveMask(150, 110);
    await frame.waitForFunction((v) => window.__stippleFigmaLive.latestVersion() > v, first, { timeout: 30_000 });
    await upToDate();
    expect(await frame.evaluate(() => window.__stippleFigmaLive.updates())).toBe(2);
    // Live runs leave the document alone.
    expect(figma.currentPage.children).toHaveLength(2);
    expect(figma.undoSteps).toHaveLength(0);
  }, 240_000);

  it('says "Updating…" while a run is in flight', async () => {
    // A long run (60 steps on the tiny model) after a change of the mask.
    await frame.getByLabel('Steps', { exact: true }).fill('60');
    await frame.waitForFunction(() => window.__stippleFigmaLive.state() === 'updating', null, { timeout: 30_000 });
    expect(await badge().textContent()).toBe('Updating…');
    await shot('2-updating');
    await upToDate();
    await frame.getByLabel('Steps', { exact: true }).fill('2');
    await upToDate();
  }, 240_000);

  it('pauses with no image selected and while the panel is hidden', async () => {
    figma.select();
    await frame.waitForFunction(() => window.__stippleFigmaLive.follow() === 'paused: no image', null, { timeout: 30_000 });
    expect(await badge().textContent()).toBe('Paused: select the image and a shape over it (the mask)');
    await shot('3-paused-no-image');

    await setHidden(true);
    figma.select(photo, mask);
    await frame.waitForFunction(() => window.__stippleFigmaLive.follow() === 'paused: panel hidden', null, { timeout: 30_000 });
    const updates = await frame.evaluate(() => window.__stippleFigmaLive.updates());
    moveMask(140, 100);
    await new Promise((r) => setTimeout(r, 500));
    // Hidden: nothing was read or run.
    expect(await frame.evaluate(() => window.__stippleFigmaLive.updates())).toBe(updates);
    expect(await badge().textContent()).toBe('Paused while the panel is hidden');
    await shot('4-paused-hidden');

    await setHidden(false);
    await frame.waitForFunction((n) => window.__stippleFigmaLive.updates() > n, updates, { timeout: 30_000 });
    await upToDate();
  }, 240_000);

  it('Keep makes a normal result: Apply adds one layer, undone in one step', async () => {
    await frame.getByRole('button', { name: 'Keep' }).click();
    await frame.getByRole('button', { name: /^Apply/ }).waitFor({ timeout: 100_000 });
    await shot('5-kept');
    await frame.getByRole('button', { name: /^Apply/ }).click();
    await frame.waitForFunction(() => window.__stippleFigma.written() !== null, null, { timeout: 30_000 });
    const kids = figma.currentPage.children;
    const layer = kids[kids.indexOf(photo) + 1]!;
    expect(layer.name).toMatch(/^Stipple inpaint · seed \d+$/);
    expect(figma.undoSteps).toHaveLength(1);
    figma.triggerUndo();
    expect(figma.currentPage.children).toEqual([photo, mask]);
    expect(harness.errors).toEqual([]);
    expect(new Set(harness.origins)).toEqual(new Set([harness.panelOrigin]));
  }, 240_000);
});
