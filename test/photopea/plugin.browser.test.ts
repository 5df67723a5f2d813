/**
 * The Photopea plugin end to end in Debian's Chromium: a fake Photopea page
 * (served as https://www.photopea.com) frames the built plugin (served from
 * 127.0.0.1) and answers its scripts with the emulator, including the
 * initial "done", pings and late layer creation. With no selection the
 * panel says so and offers the whole image; with one, inpaint with the
 * fixture model adds a new layer holding the result at its place, and the
 * original layers stay byte-identical.
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
import { artifact, CHROMIUM, CHROMIUM_ARGS, tempDir } from './browser';
import type { FakePhotopea } from './fake-parent';
import { pattern } from './helpers';

declare global {
  interface Window {
    __photopea: FakePhotopea;
    __stipplePhotopea: TestHook;
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
    await page.goto(`${PHOTOPEA}/?channels=0&plugin=${encodeURIComponent(pluginUrl)}`);
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
