/**
 * Chromium for the canvas and panel browser tests: Debian's Chromium driven
 * by playwright-core (never `npx playwright install`), screenshots under
 * test/artifacts (ignored by git).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_BASE_ARGS, CHROMIUM_PATH } from '../browser/harness';

export const CHROMIUM = CHROMIUM_PATH;

export const CHROMIUM_ARGS = CHROMIUM_BASE_ARGS;

/**
 * Launches Debian's Chromium headless. A missing Chromium fails the test
 * (a browser test that skips itself proves nothing): install it with
 * `apt-get install chromium`, as .ci/run does.
 */
export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No Chromium at ${CHROMIUM}: install Debian's (apt-get install chromium) or set STIPPLE_CHROMIUM.`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));

/** Path of a screenshot in test/artifacts (created if needed). */
export function artifact(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

/** A fresh temporary folder for a build. */
export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Collects page errors and failed console messages, to assert there were none. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}

/**
 * Text whose colour has less than 4.5:1 contrast (WCAG AA) against the
 * first opaque background behind it. Disabled controls and visually hidden
 * text are exempt, as in WCAG.
 */
export function contrastFailures(page: Page): Promise<{ checked: number; failures: string[] }> {
  return page.evaluate(() => {
    const parse = (c: string): number[] => (c.match(/[\d.]+/g) ?? []).map(Number);
    const lum = ([r, g, b]: number[]): number => {
      const f = (v: number): number => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
    };
    const background = (el: Element | null): number[] => {
      for (let e = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3]! > 0.5)) return c.slice(0, 3);
      }
      return [255, 255, 255];
    };
    const failures: string[] = [];
    let checked = 0;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement!;
      if (!n.textContent?.trim() || el.getClientRects().length === 0) continue;
      if (el.closest('[disabled], :disabled, .stp-sr, .demo-sr, option, script, style, noscript')) continue;
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden' || Number(style.opacity) < 1) continue;
      checked++;
      const fg = lum(parse(style.color));
      const bg = lum(background(el));
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      if (ratio < 4.5) failures.push(`${ratio.toFixed(2)} "${n.textContent.trim().slice(0, 30)}" ${style.color} on ${background(el).join(',')}`);
    }
    return { checked, failures };
  });
}

/**
 * Bundles a test page (a .ts/.tsx entry) and serves it with an empty
 * index.html on 127.0.0.1 (a free port). `close()` stops the server and
 * deletes the build.
 */
export async function servePage(entry: string): Promise<{ url: string; close(): Promise<void> }> {
  const dir = await tempDir('stipple-page-');
  await build({
    entryPoints: [fileURLToPath(new URL(`../../${entry}`, import.meta.url))],
    outfile: join(dir, 'main.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    logLevel: 'warning',
  });
  await writeFile(join(dir, 'index.html'), '<!doctype html><html lang="en"><meta charset="utf-8"><title>test page</title><body><div id="app"></div><script type="module" src="main.js"></script></body></html>');
  const server = createServer((req, res) => {
    const name = req.url === '/main.js' ? 'main.js' : 'index.html';
    readFile(join(dir, name)).then(
      (body) => {
        res.writeHead(200, { 'Content-Type': name.endsWith('.js') ? 'text/javascript' : 'text/html; charset=utf-8' });
        res.end(body);
      },
      () => {
        res.writeHead(404);
        res.end();
      },
    );
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
