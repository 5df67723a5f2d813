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
import { expectResponsiveDuringRun } from '../browser/responsive';
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
    // A double click applies once: one layer, one undo step, and the pending result is gone.
    await frame!.getByRole('button', { name: /^Apply/ }).dblclick();
    await frame!.waitForFunction(() => window.__stippleFigma.written() !== null, null, { timeout: 30_000 });
    await expect.poll(() => frame!.getByRole('button', { name: /^Apply/ }).count(), { timeout: 10_000 }).toBe(0);
    expect(await frame!.getByText('not in the document').count()).toBe(0);
    expect(await frame!.locator('.stp-applied').textContent()).toMatch(/^Added “Stipple inpaint · seed \d+” above “Photo”\./);
    expect(await frame!.evaluate(() => document.activeElement?.textContent)).toMatch(/^Run Inpaint/);
    // The new layer is selected, yet Run again still edits the photo with its mask, and says so.
    await expect.poll(() => frame!.locator('.fg-selection').textContent(), { timeout: 10_000 }).toBe(
      'Run again edits “Photo” with the same mask, as last time. Select something else to edit that instead.',
    );
    expect(await frame!.getByRole('button', { name: /^Run Inpaint/ }).isEnabled()).toBe(true);
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
    // Run again: a second result over the photo (not over the first result), from the kept source and mask.
    await frame!.getByRole('button', { name: /^Run Inpaint/ }).click();
    await frame!.waitForFunction(() => ['done', 'error'].includes(window.__stippleFigma.state().run.status), null, { timeout: 120_000 });
    expect(await frame!.evaluate(() => window.__stippleFigma.state().run)).toMatchObject({ status: 'done' });
    await frame!.getByRole('button', { name: /^Apply/ }).click();
    await expect.poll(() => figma.undoSteps.length, { timeout: 30_000 }).toBe(2);
    await frame!.locator('.stp-applied').waitFor();
    const second = figma.currentPage.children[figma.currentPage.children.indexOf(photo) + 1] as FakeShapeNode;
    expect(second.name).toMatch(/^Stipple inpaint · seed \d+$/);
    expect(second.id).not.toBe(result.id);
    expect(second.absoluteTransform).toEqual(photo.absoluteTransform);
    await page.screenshot({ path: fileURLToPath(new URL('../artifacts/figma-panel-applied.png', import.meta.url)) }).catch(() => undefined);
    // Selecting something else ends it: the panel follows the selection again, with Figma's own hint.
    figma.select(photo);
    await expect.poll(() => frame!.locator('.fg-selection').textContent(), { timeout: 10_000 }).toMatch(/^Editing “Photo” \(64×64\), no mask\./);
    expect(await frame!.getByText('Select an image and a shape drawn over the area to change.').isVisible()).toBe(true);
    expect(await frame!.getByText('Paint the area').count()).toBe(0);
    // It stores models in this origin's IndexedDB, so it does not claim it keeps none.
    expect(await frame!.getByText('keeps no models').count()).toBe(0);

    // Every message the main code accepted came from the panel's origin.
    expect(new Set(origins)).toEqual(new Set([panelOrigin]));
    expect(figma.notifications.some((n) => n.options?.error)).toBe(false);
    expect(errors).toEqual([]);

    // A long run (the tiny model, many steps) on the panel's Worker: the panel answers input and repaints meanwhile.
    figma.select(photo, mask);
    await frame!.waitForFunction(() => window.__stippleFigma.selection()?.ok === true && (window.__stippleFigma.selection() as { masks: unknown[] }).masks.length === 1);
    await frame!.getByLabel('Steps', { exact: true }).fill('500');
    await frame!.getByRole('button', { name: /^Run Inpaint/ }).click();
    await expectResponsiveDuringRun(frame!, '__stippleFigma');
    expect(errors).toEqual([]);
  });
});
