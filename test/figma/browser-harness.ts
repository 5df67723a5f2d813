/**
 * Figma's editor, played in Chromium for the plugin's browser tests. A
 * harness page served as https://www.figma.com (Playwright route) shows the
 * plugin's ui.html in an iframe as a data: document (origin null), which
 * sends itself to the panel on http://localhost:<port>, and relays
 * pluginMessages between that iframe and the main code. The main code is the
 * built code.js, run in Node in a bare vm context against the fake Figma
 * document.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import vm from 'node:vm';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { buildFigmaPlugin } from '../../plugins/figma/build.mjs';
import { startPanelServer } from '../../plugins/figma/serve.mjs';
import { CHROMIUM_BASE_ARGS, CHROMIUM_PATH } from '../browser/harness';
import type { FakeFigma } from './fake-figma';

const ARGS = [
  ...CHROMIUM_BASE_ARGS,
  // The harness pretends to be https://www.figma.com and frames a loopback page (platform.md).
  '--disable-features=LocalNetworkAccessChecks',
];

declare global {
  interface Window {
    __showUI(html: string): void;
    __toPanel(message: unknown, targetOrigin: string): void;
    __toMain(message: unknown, origin: string): void;
  }
}

/** Uint8Arrays cross Playwright as base64. */
const CODEC = `
  const enc = (v) => v instanceof Uint8Array ? { __bytes: btoa(Array.from(v, (b) => String.fromCharCode(b)).join('')) }
    : Array.isArray(v) ? v.map(enc) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, enc(x)])) : v;
  const dec = (v) => v && typeof v === 'object' && typeof v.__bytes === 'string' ? Uint8Array.from(atob(v.__bytes), (c) => c.charCodeAt(0))
    : Array.isArray(v) ? v.map(dec) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, dec(x)])) : v;`;

const HARNESS = `<!doctype html>
<html><head><meta charset="utf-8"><title>Figma (harness)</title></head>
<body style="margin:0">
<iframe id="plugin" title="Stipple plugin" style="width:380px;height:900px;border:0"></iframe>
<script>
${CODEC}
  const frame = document.getElementById('plugin');
  // figma.showUI: the plugin's HTML as a data: document, whose origin is null.
  window.__showUI = (html) => { frame.src = 'data:text/html;charset=utf-8,' + encodeURIComponent(html); };
  // The iframe's parent.postMessage({ pluginMessage }) -> figma.ui.onmessage(msg, { origin }).
  window.addEventListener('message', (e) => {
    if (e.source !== frame.contentWindow || !e.data || typeof e.data !== 'object' || !('pluginMessage' in e.data)) return;
    window.__toMain(enc(e.data.pluginMessage), e.origin);
  });
  // figma.ui.postMessage(msg, { origin }) -> the iframe, only if it is at that origin.
  window.__toPanel = (m, targetOrigin) => frame.contentWindow.postMessage({ pluginMessage: dec(m), pluginId: 'harness' }, targetOrigin);
</script>
</body></html>`;

function encodeForPage(v: unknown): unknown {
  if (v instanceof Uint8Array) return { __bytes: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) return v.map(encodeForPage);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encodeForPage(x)]));
  return v;
}

function decodeFromPage(v: unknown): unknown {
  if (v && typeof v === 'object' && typeof (v as { __bytes?: unknown }).__bytes === 'string') {
    return new Uint8Array(Buffer.from((v as { __bytes: string }).__bytes, 'base64'));
  }
  if (Array.isArray(v)) return v.map(decodeFromPage);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decodeFromPage(x)]));
  return v;
}

/** The built plugin, its panel server, and Chromium on the harness page. */
export interface FigmaBrowserHarness {
  page: Page;
  panelOrigin: string;
  /** Uncaught page errors and relay failures. */
  errors: string[];
  /** The origin of every message the main code received. */
  origins: string[];
  /** Runs the built main code against `figma` and shows its UI; resolves with the panel's frame. */
  open(figma: FakeFigma): Promise<Frame>;
  close(): Promise<void>;
}

/** Builds the plugin with its panel at `?model=<model>` and opens the harness page. */
export async function startFigmaHarness(model: string): Promise<FigmaBrowserHarness> {
  const pluginDir = await mkdtemp(join(tmpdir(), 'stipple-figma-plugin-'));
  const panelDir = await mkdtemp(join(tmpdir(), 'stipple-figma-panel-'));
  const server = await startPanelServer({ port: 0, panelDir });
  await buildFigmaPlugin({ outdir: pluginDir, panelOutdir: panelDir, panelUrl: `http://localhost:${server.port}/?model=${model}` });
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS });
  const page = await browser.newPage({ viewport: { width: 420, height: 940 } });
  const errors: string[] = [];
  const origins: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.route('https://www.figma.com/**', (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: HARNESS }));
  const panelOrigin = `http://localhost:${server.port}`;
  let current: FakeFigma | null = null;
  // Figma's relay: the harness page -> the main code of the document opened last.
  await page.exposeFunction('__toMain', (msg: unknown, origin: string) => {
    origins.push(origin);
    current?.ui.fromUi(decodeFromPage(msg), origin);
  });
  return {
    page,
    panelOrigin,
    errors,
    origins,
    async open(figma) {
      current = figma;
      figma.ui.relayTo((msg, targetOrigin) => {
        void page.evaluate(([m, o]) => window.__toPanel(m, o), [encodeForPage(msg), targetOrigin] as const).catch((e: unknown) => errors.push(String(e)));
      });
      await page.goto('https://www.figma.com/file/harness');
      // Run the built main code as Figma does: one script, with `figma` and `__html__`.
      const code = await readFile(join(pluginDir, 'code.js'), 'utf8');
      const html = await readFile(join(pluginDir, 'ui.html'), 'utf8');
      vm.runInNewContext(code, { figma, __html__: html, console });
      if (figma.shownHtml !== html) throw new Error('The main code did not show the plugin’s ui.html');
      await page.evaluate((h) => window.__showUI(h), html);
      let frame: Frame | undefined;
      const end = Date.now() + 30_000;
      while (!(frame = page.frames().find((f) => f.url().startsWith(panelOrigin)))) {
        if (Date.now() > end) throw new Error('The panel did not load');
        await new Promise((r) => setTimeout(r, 50));
      }
      return frame;
    },
    async close() {
      await browser.close();
      await server.close();
      for (const d of [pluginDir, panelDir]) await rm(d, { recursive: true, force: true });
    },
  };
}
