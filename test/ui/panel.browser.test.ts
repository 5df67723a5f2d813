/**
 * The shared panel in Chromium, without a model: keyboard access, labels,
 * the token count and truncation warning, progress with ETA and cancel,
 * variants, history restore, the model manager, and text contrast in the
 * light and dark themes. Screenshots go to test/artifacts.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../plugins/ui';
import { defaultParams } from '../../plugins/ui/params';
import { artifact, contrastFailures, launchChromium, servePage } from '../canvas/browser';

describe('panel in Chromium', () => {
  let server: { url: string; close(): Promise<void> };
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  const calls = (): Promise<unknown[][]> => page.evaluate(() => window.__calls);
  const dispatch = (action: unknown): Promise<void> => page.evaluate((a) => window.__panel.dispatch(a as never), action);

  beforeAll(async () => {
    server = await servePage('test/ui/pages/panel-harness.tsx');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 420, height: 1400 }, colorScheme: 'light' });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.waitForFunction(() => window.__panel !== undefined);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('labels every control', async () => {
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('input, select, textarea, button, summary')]
        .filter((el) => el.getAttribute('aria-hidden') !== 'true' && el.getClientRects().length > 0)
        .filter((el) => {
          const labels = (el as HTMLInputElement).labels;
          const named = (labels && labels.length > 0) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
          const text = el.tagName === 'BUTTON' || el.tagName === 'SUMMARY' ? el.textContent?.trim() : '';
          return !named && !text;
        })
        .map((el) => el.outerHTML.slice(0, 80)),
    );
    expect(unlabelled).toEqual([]);
  });

  it('works from the keyboard: tab order, token count, Ctrl+Enter, seed', async () => {
    await page.getByRole('radio', { name: 'Inpaint', exact: true }).focus();
    const order: string[] = [];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      order.push(
        await page.evaluate(() => {
          const el = document.activeElement as HTMLElement;
          const label = (el as HTMLInputElement).labels?.[0]?.textContent?.trim();
          return `${el.tagName.toLowerCase()}:${label ?? el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 20)}`;
        }),
      );
    }
    expect(order.slice(0, 3)).toEqual(['textarea:Prompt', 'textarea:Negative prompt', 'button:Run Inpaint']);
    expect(order).toContain('summary:Settings');
    expect(order).toContain('input:Strength');
    expect(order).toContain('input:Guidance');

    const prompt = page.getByLabel('Prompt', { exact: true });
    await prompt.fill('a cat');
    await expect.poll(() => page.locator('.stp-count').first().textContent()).toBe('2 / 75 tokens');
    await prompt.press('Control+Enter');
    expect((await calls()).at(-1)).toEqual(['run']);

    const seed = page.getByLabel('Seed', { exact: true });
    await page.getByRole('button', { name: 'Randomize' }).press('Enter');
    expect(await seed.inputValue()).not.toBe('42');
    await page.getByLabel('Lock seed').press('Space');
    expect(await page.getByLabel('Lock seed').isChecked()).toBe(true);
  });

  it('warns when the prompt is too long to be used whole', async () => {
    await page.getByLabel('Prompt', { exact: true }).fill(Array.from({ length: 80 }, (_, i) => `word${i}`).join(' '));
    await expect.poll(() => page.locator('.stp-count').first().textContent()).toBe('80 / 75 tokens');
    expect(await page.getByText('Too long: only the first 75 tokens are used').isVisible()).toBe(true);
    expect(await page.getByLabel('Prompt', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await page.screenshot({ path: artifact('panel-1-truncated-light.png'), fullPage: true });
    await page.getByLabel('Prompt', { exact: true }).fill('a red fox sitting in the snow');
  });

  it('shows progress with step count, ETA, preview and cancel, and announces the outcome', async () => {
    await dispatch({ type: 'run-start', operation: 'inpaint' });
    await dispatch({ type: 'progress', event: { type: 'phase', phase: 'encode-text' } });
    expect(await page.locator('.stp-live').textContent()).toBe('Inpaint: Reading the prompt…');
    await dispatch({ type: 'progress', event: { type: 'step', step: 3, total: 10, elapsedMs: 900, etaMs: 2100 } });
    await page.evaluate(() => window.__panel.dispatch({ type: 'progress', event: { type: 'preview', step: 3, total: 10, images: window.__panel.images(1) } }));
    expect(await page.getByTestId('step-count').textContent()).toBe('Step 3 of 10 · about 2 s left');
    const bar = page.getByRole('progressbar', { name: 'Edit progress' });
    expect(await bar.getAttribute('value')).toBe('3');
    expect(await bar.getAttribute('max')).toBe('10');
    expect(await page.getByRole('img', { name: 'Live preview of the result' }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: /Running/ }).isDisabled()).toBe(true);
    await page.screenshot({ path: artifact('panel-2-running-light.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: artifact('panel-3-running-dark.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });

    await page.getByRole('button', { name: 'Cancel' }).press('Enter');
    expect((await calls()).at(-1)).toEqual(['cancel']);
    await dispatch({ type: 'cancel-requested' });
    expect(await page.getByRole('button', { name: 'Cancel' }).isDisabled()).toBe(true);
    await dispatch({ type: 'run-cancelled' });
    expect(await page.locator('.stp-live').textContent()).toBe('Cancelled. Nothing was changed.');
    await dispatch({ type: 'run-start', operation: 'inpaint' });
    await dispatch({ type: 'run-failed', message: 'The model file is damaged.' });
    expect(await page.getByRole('alert').textContent()).toBe('The model file is damaged.');
  });

  it('picks variants with the arrow keys and restores settings from the history', async () => {
    const entryParams = { ...defaultParams('inpaint', 1234), prompt: 'a lighthouse', steps: 12, seedLocked: true };
    await page.evaluate((params) => {
      const images = window.__panel.images(3);
      window.__panel.dispatch({ type: 'run-done', entry: { operation: 'inpaint', params, images, warnings: ['The model ran at 64x64.'], ms: 4200, time: 0, model: 'tiny' } as Omit<HistoryEntry, 'id'> as never });
    }, entryParams);
    const variants = page.getByRole('radio', { name: /^Variant/ });
    expect(await variants.count()).toBe(3);
    await variants.first().focus();
    await page.keyboard.press('ArrowRight');
    expect((await calls()).at(-1)).toEqual(['select', 1]);
    expect(await page.getByRole('button', { name: 'Apply variant 2' }).isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Show before' }).click();
    await page.getByRole('button', { name: 'Apply variant 2' }).click();
    expect((await calls()).slice(-2)).toEqual([['toggle'], ['apply']]);
    await page.screenshot({ path: artifact('panel-4-results-light.png'), fullPage: true });

    await page.getByLabel('Prompt', { exact: true }).fill('something else');
    await page.getByRole('button', { name: /Restore the settings/ }).click();
    expect(await page.getByLabel('Prompt', { exact: true }).inputValue()).toBe('a lighthouse');
    expect(await page.getByLabel('Seed', { exact: true }).inputValue()).toBe('1234');
    expect(await page.getByLabel('Steps', { exact: true }).inputValue()).toBe('12');
    await page.getByRole('button', { name: /Show the images/ }).click();
    expect((await calls()).at(-1)?.[0]).toBe('show');
  });

  it('manages models: presets, URL, folder, stored models', async () => {
    await page.locator('.stp-model-section summary').click();
    await page.getByLabel('Preset').selectOption('sd2-inpaint');
    await page.getByRole('button', { name: 'Load' }).first().click();
    await page.getByLabel('Model URL').fill('https://huggingface.co/org/repo/resolve/main/');
    await page.getByLabel('Model URL').press('Enter');
    // Delete asks first, naming what it costs to get the model back; focus goes to Keep.
    await page.getByRole('button', { name: 'Delete Stable Diffusion 2 inpainting from browser storage' }).click();
    expect(await page.getByText('Delete? Using it again downloads 5.20 GB.').isVisible()).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Keep');
    expect((await calls()).at(-1)?.[0]).not.toBe('delete');
    await page.getByRole('button', { name: 'Delete 5.20 GB' }).click();
    expect((await calls()).slice(-3)).toEqual([['preset', 'sd2-inpaint'], ['url', 'https://huggingface.co/org/repo/resolve/main/'], ['delete', 'sd2-inpaint']]);
    // The model picker's folder input is a folder picker (webkitdirectory as a property, not '').
    expect(await page.locator('input[name="model-folder"]').evaluate((el) => (el as HTMLInputElement).webkitdirectory)).toBe(true);
    expect(await page.getByText('Using 5.30 GB of 40.0 GB available.').isVisible()).toBe(true);
    await page.evaluate(() => window.__panel.setModel({ state: 'loading', message: 'Downloading unet/model.onnx…', loaded: 300 * 1024 ** 2, total: 1.7 * 1024 ** 3 }, false));
    expect(await page.getByRole('button', { name: /Run/ }).isDisabled()).toBe(true);
    expect(await page.getByText('300 MB of 1.70 GB').isVisible()).toBe(true);
    await page.screenshot({ path: artifact('panel-5-models-light.png'), fullPage: true });
    await page.evaluate(() => window.__panel.setModel({ state: 'error', message: 'unet/model.onnx: expected a file that can be downloaded (HTTP 404).' }, false));
    expect(await page.getByRole('alert').first().textContent()).toContain('HTTP 404');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: artifact('panel-6-models-dark.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.evaluate(() => window.__panel.setModel({ state: 'ready' }, true));
  });

  it('reads a dropped model folder as the FileList a picked folder gives, with repo paths', async () => {
    const read = await page.evaluate(async () => {
      // Directory entries as Chromium hands them out for a drop (in batches; files through file()).
      const file = (name: string, text: string) => ({ isFile: true, isDirectory: false, name, file: (ok: (f: File) => void) => ok(new File([text], name)) });
      const dir = (name: string, children: unknown[]) => ({
        isFile: false,
        isDirectory: true,
        name,
        createReader: () => {
          let left = [children.slice(0, 1), children.slice(1), []];
          return { readEntries: (ok: (b: unknown[]) => void) => ok(left.shift() ?? (left = [], [])) };
        },
      });
      const tree = dir('my-model', [file('model_index.json', '{}'), dir('unet', [file('model.onnx', 'u'), file('config.json', '{}')])]);
      const drop = { items: [{ webkitGetAsEntry: () => tree }] } as unknown as DataTransfer;
      const list = await window.__droppedFolder(drop);
      const filesOnly = await window.__droppedFolder({ items: [{ webkitGetAsEntry: () => file('a.png', '') }] } as unknown as DataTransfer).catch((e: Error) => e.message);
      return { isFileList: list instanceof FileList, paths: Array.from(list, (f) => f.webkitRelativePath).sort(), filesOnly };
    });
    expect(read).toEqual({
      isFileList: true,
      paths: ['my-model/model_index.json', 'my-model/unet/config.json', 'my-model/unet/model.onnx'],
      filesOnly: 'Drop one model folder here (the folder that holds model_index.json, unet/ and the others).',
    });
  });

  it('offers the model each edit needs in one click; the preset list follows the edit', async () => {
    // The loaded model inpaints only.
    for (const [edit, offer, id] of [
      ['Mask edit', 'Load Tiny SD (test model, random weights) (11.4 MB)', 'tiny-sd'],
      ['SDEdit', 'Load Tiny SD (test model, random weights) (11.4 MB)', 'tiny-sd'],
      ['InstructPix2Pix', /^Load Tiny InstructPix2Pix \(test model, random weights\) \(12\.4 MB\)$/, 'tiny-ip2p'],
    ] as const) {
      await page.getByRole('radio', { name: edit }).check();
      expect(await page.getByText(`${edit} needs`).isVisible()).toBe(true);
      // The harness has a mask: the edits it merely limits say so.
      expect(await page.locator('.stp-mask-limits').count()).toBe(edit === 'Mask edit' ? 0 : 1);
      const button = page.getByRole('button', { name: offer });
      await button.click();
      expect((await calls()).at(-1)).toEqual(['preset', id]);
      expect(await page.getByLabel('Preset').inputValue()).toBe(id);
    }
    await page.screenshot({ path: artifact('panel-7-model-offer.png'), fullPage: true });
    await page.getByRole('radio', { name: 'Inpaint' }).check();
    expect(await page.locator('.stp-offer').count()).toBe(0);
  });

  it('never scrolls sideways in a 320 px wide host window', async () => {
    await page.setViewportSize({ width: 320, height: 1400 });
    await page.evaluate(() => {
      document.body.style.padding = '0';
      window.__panel.setWidth('100%');
    });
    await page.locator('.stp-model-section[open], .stp-model-section').first().evaluate((d) => ((d as HTMLDetailsElement).open = true));
    await page.getByRole('radio', { name: 'SDEdit' }).check();
    const overflow = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      wide: [...document.querySelectorAll<HTMLElement>('.stp-panel *')]
        .filter((el) => el.getClientRects().length > 0 && el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
        .map((el) => `${el.tagName}.${el.className}`)
        .slice(0, 5),
    }));
    await page.screenshot({ path: artifact('panel-8-320px.png'), fullPage: true });
    expect(overflow).toEqual({ page: 0, wide: [] });
    await page.getByRole('radio', { name: 'Inpaint' }).check();
    await page.setViewportSize({ width: 420, height: 1400 });
    await page.evaluate(() => {
      document.body.style.padding = '16px';
      window.__panel.setWidth('360px');
    });
  });

  it('keeps text contrast at 4.5:1 or more in the light and dark themes', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const { checked, failures } = await contrastFailures(page);
      expect(checked).toBeGreaterThan(50);
      expect(failures, scheme).toEqual([]);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    expect(errors).toEqual([]);
  });
});
