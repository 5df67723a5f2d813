/**
 * The Photopea plugin end to end in Debian's Chromium: a fake Photopea page
 * (served as https://www.photopea.com) frames the built plugin (served from
 * 127.0.0.1) and answers its scripts with the emulator, including the
 * initial "done", pings and late layer creation. With no selection the
 * panel says so and offers the whole image; with one, inpaint with the
 * fixture model adds a new layer holding the result at its place, and the
 * original layers stay byte-identical. Live mode follows brush strokes and
 * the selection, says "Updating…" / "Up to date", pauses without a selection
 * and while the panel is hidden, and Keep + Apply add its result as a layer
 * (screenshots: test/artifacts/photopea-live-*.png).
 */
import { build } from 'esbuild';
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPhotopeaPlugin } from '../../plugins/photopea/build.mjs';
import type { TestHook } from '../../plugins/photopea/main';
import { expectResponsiveDuringRun } from '../browser/responsive';
import type { LiveTestHook } from '../../plugins/ui';
import { artifact, CHROMIUM, CHROMIUM_ARGS, tempDir } from './browser';
import type { FakePhotopea } from './fake-parent';
import { pattern } from './helpers';

declare global {
  interface Window {
    __photopea: FakePhotopea;
    __stipplePhotopea: TestHook;
    __stipplePhotopeaLive: LiveTestHook;
  }
}

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const PHOTOPEA = 'https://www.photopea.com';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
};

/** Serves the plugin folder at /, ORT's files at /ort/ and the fixture models at /models/tiny-sd/. */
async function serve(pluginDir: string): Promise<{ url: string; server: Server }> {
  const ort = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
  const mounts: Array<[string, string]> = [
    ['/ort/', ort],
    ['/models/tiny-sd/', join(root, 'test/fixtures/tiny-sd')],
    ['/', pluginDir],
  ];
  const server = createServer((req, res) => {
    void (async () => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      for (const [prefix, dir] of mounts) {
        if (!path.startsWith(prefix)) continue;
        const file = resolve(dir, path.slice(prefix.length) || 'index.html');
        if (file.startsWith(dir + sep)) {
          const s = await stat(file).catch(() => null);
          if (s?.isFile()) {
            res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': s.size });
            createReadStream(file).pipe(res);
            return;
          }
        }
        break;
      }
      res.writeHead(404).end();
    })();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`, server };
}

describe('Photopea plugin in Chromium, inside a fake Photopea', () => {
  let dir: string;
  let server: Server;
  let browser: Browser;
  let page: Page;
  let plugin: Frame;
  const errors: string[] = [];

  beforeAll(async () => {
    dir = await tempDir('stipple-photopea-');
    const [pluginDir, parentJs] = await Promise.all([
      buildPhotopeaPlugin({ outdir: join(dir, 'plugin') }),
      build({ entryPoints: [join(here, 'fake-parent.ts')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'warning' }),
    ]);
    const served = await serve(pluginDir);
    server = served.server;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: { width: 900, height: 1100 }, colorScheme: 'light' });
    await context.route(`${PHOTOPEA}/**`, (route) => {
      const url = new URL(route.request().url());
      if (url.pathname === '/fake-parent.js') {
        return route.fulfill({ contentType: 'text/javascript', body: parentJs.outputFiles[0]!.text });
      }
      return route.fulfill({
        contentType: 'text/html',
        body: '<!doctype html><html><head><meta charset="utf-8"><title>Photopea (fake)</title></head><body><script type="module" src="/fake-parent.js"></script></body></html>',
      });
    });
    page = await context.newPage();
    page.on('pageerror', (e) => errors.push(`parent: ${e.message}`));
    const pluginUrl = `${served.url}index.html?model=${encodeURIComponent('models/tiny-sd/sd-inpaint/')}`;
    // Without scriptable channels, as Photopea's documented scripting: the selection must survive Apply anyway.
    // history=1: the emulator lists history states, so a brush stroke changes the document's revision (live mode).
    await page.goto(`${PHOTOPEA}/?channels=0&history=1&plugin=${encodeURIComponent(pluginUrl)}`);
    await page.waitForFunction(() => window.__photopea !== undefined);
    const frame = await (await page.waitForSelector('iframe')).contentFrame();
    plugin = frame!;
    await plugin.waitForFunction(() => window.__stipplePhotopea !== undefined);
    await plugin.evaluate(() => window.__stipplePhotopea.ready);
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const docStatus = (): Promise<string> => plugin.evaluate(() => window.__stipplePhotopea.docStatus());
  const runStatus = (): Promise<string> => plugin.evaluate(() => window.__stipplePhotopea.state().run.status);

  it('connects; without a document, then without a selection, it says so and offers the whole image', async () => {
    expect(await docStatus()).toBe('No document is open in Photopea: open an image (File > Open) and try again.');
    const photo = pattern(96, 64, 1);
    const sticker = pattern(12, 12, 6);
    await page.evaluate(
      ([p, s]) =>
        window.__photopea.openDocument({
          width: 96,
          height: 64,
          name: 'beach.psd',
          layers: [
            { name: 'Sticker', image: s, x: 70, y: 40 },
            { name: 'Photo', image: p },
          ],
          active: [1],
        }),
      [
        { width: 96, height: 64, base64: Buffer.from(photo.data).toString('base64') },
        { width: 12, height: 12, base64: Buffer.from(sticker.data).toString('base64') },
      ] as const,
    );
    await plugin.getByRole('button', { name: 'Refresh' }).click();
    await plugin.getByText('beach.psd: 96×64 px · no selection (select the area to change)').waitFor();
    await plugin.getByLabel('Prompt', { exact: true }).fill('a red fox sitting in the snow');
    await plugin.getByRole('button', { name: 'Run Inpaint', exact: true }).click();
    await plugin.getByRole('alert').getByText(/Nothing is selected in Photopea\. Inpaint changes the selected area/).waitFor();
    expect(await plugin.getByRole('button', { name: 'Run Inpaint on the whole image' }).isVisible()).toBe(true);
    expect(await runStatus()).toBe('error');
  });

  it('inpaints the selection into a new layer at its place; the original layers are byte-identical', async () => {
    await page.evaluate(() => window.__photopea.select({ x: 20, y: 12, width: 30, height: 24 }));
    // Coming back to the panel from Photopea's canvas refreshes the status, without Refresh.
    const frame = (await page.locator('iframe').boundingBox())!;
    await page.mouse.move(frame.x > 20 ? frame.x - 10 : frame.x + frame.width + 10, 50);
    await plugin.locator('.pp').hover({ position: { x: 200, y: 300 } });
    await plugin.getByText('selection 30×24 px at 20, 12', { exact: false }).waitFor();
    expect(await plugin.getByRole('button', { name: 'Run Inpaint on the whole image' }).count()).toBe(0);
    const before = await page.evaluate(() => window.__photopea.snapshot());
    await plugin.getByLabel('Steps', { exact: true }).fill('2');
    await plugin.getByRole('button', { name: 'Run Inpaint', exact: true }).click();
    await plugin.waitForFunction(() => window.__stipplePhotopea.state().run.status !== 'running', undefined, { timeout: 90_000 });
    expect(await runStatus()).toBe('done');
    expect(await page.evaluate(() => window.__photopea.snapshot())).toEqual(before); // reading changed nothing
    await plugin.getByRole('button', { name: 'Apply' }).click();
    await plugin.waitForFunction(() => window.__stipplePhotopea.lastLayer() !== null, undefined, { timeout: 30_000 });
    const added = (await plugin.evaluate(() => window.__stipplePhotopea.lastLayer()))!;
    await page.screenshot({ path: artifact('photopea-plugin.png') });

    const layers = await page.evaluate(() => window.__photopea.layers());
    const after = await page.evaluate(() => window.__photopea.snapshot());
    expect(layers.map((l) => l.name)).toEqual(['Sticker', added.name, 'Photo']);
    expect(added.name).toMatch(/^Stipple Inpaint: a red fox sitting in the snow \(seed \d+\)$/);
    const layer = layers[1]!;
    expect({ x: layer.x, y: layer.y, width: layer.width, height: layer.height, smart: layer.smart }).toEqual({
      x: added.x,
      y: added.y,
      width: added.width,
      height: added.height,
      smart: true,
    });
    expect(layer.base64).toBe(added.base64); // the pasted pixels are the result's, exactly
    // Around the selection (30x24 at 20, 12): at most the feather (mask blur 4 px, ~3 sigma) beyond it.
    expect(added.x).toBeGreaterThanOrEqual(20 - 13);
    expect(added.y).toBeGreaterThanOrEqual(12 - 13);
    expect(added.x + added.width).toBeLessThanOrEqual(50 + 13);
    expect(added.y + added.height).toBeLessThanOrEqual(36 + 13);
    expect(added.width).toBeGreaterThanOrEqual(30);
    // The original layers, their pixels, the selection: untouched.
    expect(after.layers.filter((l) => l.name !== added.name)).toEqual(before.layers);
    expect(after.selection).toEqual(before.selection);
    expect(await plugin.getByText(`Added the layer “${added.name}”.`, { exact: true }).isVisible()).toBe(true);
    expect(await plugin.getByRole('button', { name: 'Apply' }).count()).toBe(0);
    expect(await plugin.evaluate(() => document.activeElement?.textContent)).toBe('Run Inpaint');
    await plugin.getByText('selection 30×24 px at 20, 12', { exact: false }).waitFor();
    expect(await page.evaluate(() => window.__photopea.scriptErrors())).toEqual([]);
    expect(errors).toEqual([]);
  });

  describe('Live mode', () => {
    const badge = () => plugin.getByTestId('live-state');
    const shot = async (name: string) => {
      await plugin.getByTestId('live').scrollIntoViewIfNeeded();
      await page.screenshot({ path: artifact(`photopea-live-${name}.png`) });
    };
    const upToDate = () =>
      plugin.waitForFunction(
        () => {
          const h = window.__stipplePhotopeaLive;
          return h.state() === 'up to date' && h.version() > 0 && h.version() === h.latestVersion();
        },
        undefined,
        { timeout: 100_000 },
      );
    const updates = () => plugin.evaluate(() => window.__stipplePhotopeaLive.updates());
    const setHidden = (hidden: boolean) =>
      plugin.evaluate((h) => {
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (h ? 'hidden' : 'visible') });
        document.dispatchEvent(new Event('visibilitychange'));
      }, hidden);

    it('follows brush strokes and the selection into live results', async () => {
      const before = await page.evaluate(() => window.__photopea.snapshot());
      await plugin.getByRole('checkbox', { name: 'Live' }).check();
      await upToDate();
      expect(await badge().textContent()).toBe('Up to date');
      expect(await plugin.getByRole('img', { name: 'Live result' }).isVisible()).toBe(true);
      await shot('1-up-to-date');
      // Live runs only read the document.
      expect((await page.evaluate(() => window.__photopea.snapshot())).layers).toEqual(before.layers);

      // A brush stroke: a new history state, a new revision, a new live state.
      const n = await updates();
      await page.evaluate(() => window.__photopea.paint({ x: 24, y: 16, width: 10, height: 6 }, [250, 20, 20]));
      await plugin.waitForFunction((k) => window.__stipplePhotopeaLive.updates() > k, n, { timeout: 30_000 });
      await upToDate();
      // Another selection.
      const m = await updates();
      await page.evaluate(() => window.__photopea.select({ x: 10, y: 8, width: 20, height: 20 }));
      await plugin.waitForFunction((k) => window.__stipplePhotopeaLive.updates() > k, m, { timeout: 30_000 });
      await upToDate();
    }, 240_000);

    it('says "Updating…" while a run is in flight', async () => {
      await plugin.getByLabel('Steps', { exact: true }).fill('60');
      await plugin.waitForFunction(() => window.__stipplePhotopeaLive.state() === 'updating', undefined, { timeout: 30_000 });
      expect(await badge().textContent()).toBe('Updating…');
      await shot('2-updating');
      await upToDate();
      await plugin.getByLabel('Steps', { exact: true }).fill('2');
      await upToDate();
    }, 240_000);

    it('pauses without a selection and while the panel is hidden', async () => {
      await page.evaluate(() => window.__photopea.select(null));
      await plugin.waitForFunction(() => window.__stipplePhotopeaLive.follow() === 'paused: no image', undefined, { timeout: 30_000 });
      expect(await badge().textContent()).toBe('Paused: open an image and select the area to change');
      await shot('3-paused-no-selection');

      await setHidden(true);
      await page.evaluate(() => window.__photopea.select({ x: 20, y: 12, width: 30, height: 24 }));
      await plugin.waitForFunction(() => window.__stipplePhotopeaLive.follow() === 'paused: panel hidden', undefined, { timeout: 30_000 });
      const n = await updates();
      const scripts = await page.evaluate(() => window.__photopea.scriptCount());
      await new Promise((r) => setTimeout(r, 1200));
      // Hidden: no polling scripts, nothing read or run.
      expect(await updates()).toBe(n);
      expect(await page.evaluate(() => window.__photopea.scriptCount())).toBe(scripts);
      expect(await badge().textContent()).toBe('Paused while the panel is hidden');
      await shot('4-paused-hidden');

      await setHidden(false);
      await plugin.waitForFunction((k) => window.__stipplePhotopeaLive.updates() > k, n, { timeout: 30_000 });
      await upToDate();
    }, 240_000);

    it('Keep makes a normal result that Apply adds as a layer', async () => {
      const layersBefore = (await page.evaluate(() => window.__photopea.layers())).length;
      await plugin.getByRole('button', { name: 'Keep' }).click();
      await plugin.getByRole('button', { name: 'Apply' }).waitFor({ timeout: 100_000 });
      await shot('5-kept');
      await plugin.getByRole('button', { name: 'Apply' }).click();
      await plugin.waitForFunction((name) => window.__stipplePhotopea.lastLayer()?.name !== name, (await plugin.evaluate(() => window.__stipplePhotopea.lastLayer()?.name)) ?? '', {
        timeout: 30_000,
      });
      const added = (await plugin.evaluate(() => window.__stipplePhotopea.lastLayer()))!;
      expect(added.name).toMatch(/^Stipple Inpaint: a red fox sitting in the snow \(seed \d+\)$/);
      expect((await page.evaluate(() => window.__photopea.layers())).length).toBe(layersBefore + 1);
      expect(await page.evaluate(() => window.__photopea.scriptErrors())).toEqual([]);
      expect(errors).toEqual([]);
      // Live off again: the next tests run edits of their own.
      await plugin.getByRole('checkbox', { name: 'Live' }).uncheck();
    }, 240_000);
  });

  it('answers input and repaints while a long run goes on in its Worker, and cancels it', async () => {
    const photo = pattern(64, 64, 3);
    await page.evaluate(
      (p) => window.__photopea.openDocument({ width: 64, height: 64, name: 'long.psd', layers: [{ name: 'Photo', image: p }], active: [0] }),
      { width: 64, height: 64, base64: Buffer.from(photo.data).toString('base64') },
    );
    await page.evaluate(() => window.__photopea.select({ x: 16, y: 16, width: 32, height: 32 }));
    await plugin.getByRole('button', { name: 'Refresh' }).click();
    await plugin.getByText('long.psd: 64×64 px · selection 32×32 px at 16, 16').waitFor();
    await plugin.getByLabel('Steps', { exact: true }).fill('500');
    await plugin.getByRole('button', { name: 'Run Inpaint', exact: true }).click();
    await expectResponsiveDuringRun(plugin, '__stipplePhotopea');
    expect(errors).toEqual([]);
  });

  it('switches the engine to WASM from the engine line, reloads the model on it, and remembers the choice', async () => {
    await plugin.getByLabel('Engine', { exact: true }).selectOption('wasm');
    await plugin.getByTestId('engine-line').getByText(/WASM was chosen explicitly/).waitFor({ timeout: 60_000 });
    expect(await plugin.evaluate(() => window.__stipplePhotopea.engine())).toEqual({ where: 'worker', backend: 'wasm' });
    expect(await plugin.evaluate(() => localStorage.getItem('stipple.backend'))).toBe('wasm');
    expect(errors).toEqual([]);
  });
});
