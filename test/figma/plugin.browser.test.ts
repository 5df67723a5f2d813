/**
 * The plugin end to end, in Debian's Chromium, with Figma's editor played by
 * the harness in browser-harness.ts. The test selects an image and a mask
 * shape, runs inpaint with the tiny fixture model in the panel, applies, and
 * finds the new layer above the untouched source.
 */
import { fileURLToPath } from 'node:url';
import type { Frame } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FigmaTestHook } from '../../plugins/figma/panel/main';
import { startFigmaHarness, type FigmaBrowserHarness } from './browser-harness';
import { decodePng, FakeFigma, gradient, type FakeShapeNode } from './fake-figma';

declare global {
  interface Window {
    __stippleFigma: FigmaTestHook;
  }
}

describe('the Figma plugin in Chromium', () => {
  let harness: FigmaBrowserHarness;

  beforeAll(async () => {
    harness = await startFigmaHarness('tiny-sd-inpaint');
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('inpaints the selected image under a mask shape and adds the result above it', async () => {
    const figma = new FakeFigma();
    const photo = figma.addImageRect({ name: 'Photo', x: 120, y: 80, width: 64, height: 64, pixels: gradient(64, 64) });
    const mask = figma.addShape('ELLIPSE', { name: 'Mask', x: 136, y: 96, width: 24, height: 24, color: [255, 0, 0], opacity: 0.5 });
    figma.select(photo, mask);
    const source = photo.snapshot();
    const sourcePixels = decodePng(await photo.exportAsync({ format: 'PNG', useAbsoluteBounds: true }));

    const { page, errors, origins, panelOrigin } = harness;
    const frame: Frame | undefined = await harness.open(figma);
    await frame!.waitForFunction(
      () => {
        const hook = window.__stippleFigma;
        return hook !== undefined && hook.model() !== null && hook.selection()?.ok === true;
      },
      null,
      { timeout: 60_000 },
    );
    expect(await frame!.evaluate(() => window.__stippleFigma.selection())).toMatchObject({ ok: true, source: { name: 'Photo' }, masks: [{ name: 'Mask' }] });

    await frame!.getByLabel('Prompt', { exact: true }).fill('a red fox');
    await frame!.getByLabel('Steps', { exact: true }).fill('2');
    await frame!.getByRole('button', { name: /^Run Inpaint/ }).click();
    await frame!.waitForFunction(() => ['done', 'error'].includes(window.__stippleFigma.state().run.status), null, { timeout: 120_000 });
    const run = await frame!.evaluate(() => window.__stippleFigma.state().run);
    expect(run).toMatchObject({ status: 'done' });
    await frame!.getByRole('button', { name: /^Apply/ }).click();
    await frame!.waitForFunction(() => window.__stippleFigma.written() !== null, null, { timeout: 30_000 });
    await page.screenshot({ path: fileURLToPath(new URL('../artifacts/figma-panel.png', import.meta.url)) }).catch(() => undefined);

    // The document: a new layer right above the untouched source.
    const kids = figma.currentPage.children;
    const result = kids[kids.indexOf(photo) + 1] as FakeShapeNode;
    expect(result.name).toMatch(/^Stipple inpaint · seed \d+$/);
    expect(result.absoluteTransform).toEqual(photo.absoluteTransform);
    expect([result.width, result.height]).toEqual([64, 64]);
    expect(figma.currentPage.selection).toEqual([result]);
    expect(photo.snapshot()).toEqual(source);
    expect(figma.undoSteps).toHaveLength(1);
    const written = await frame!.evaluate(() => window.__stippleFigma.written());
    expect(written).toMatchObject({ nodeId: result.id, name: result.name });

    // It holds the edit: changed at the mask's centre, the source's pixels far from it.
    const out = figma.imagePixels((result.fills[0] as { imageHash: string }).imageHash);
    expect([out.width, out.height]).toEqual([64, 64]);
    let far = 0;
    let farSame = 0;
    let centreChanged = 0;
    for (let y = 0; y < 64; y++) {
      for (let x = 0; x < 64; x++) {
        const o = (y * 64 + x) * 4;
        const same = [0, 1, 2, 3].every((c) => out.data[o + c] === sourcePixels.data[o + c]);
        const d = Math.hypot(x + 0.5 - 28, y + 0.5 - 28);
        if (d > 24) {
          far++;
          farSame += same ? 1 : 0;
        } else if (d < 6) centreChanged += same ? 0 : 1;
      }
    }
    expect(farSame).toBe(far);
    expect(centreChanged).toBeGreaterThan(90);
    // Every message the main code accepted came from the panel's origin.
    expect(new Set(origins)).toEqual(new Set([panelOrigin]));
    expect(figma.notifications.some((n) => n.options?.error)).toBe(false);
    expect(errors).toEqual([]);
  });
});
