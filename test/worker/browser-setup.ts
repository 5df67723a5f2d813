/**
 * Serving and driving the worker test page (test/worker/pages) in Chromium,
 * on top of the shared harness in test/browser. Used by browser.test.ts and
 * the browser benchmark (test/bench/browser.ts).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { bundlePage, launchChromium, startTestServer, type ChromiumSession, type TestServer } from '../browser/harness';
import type { StippleTestApi } from './pages/worker-page';

/** COOP/COEP: the page is cross-origin isolated, so WASM can run multi-threaded. */
export const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export interface WorkerPage {
  server: TestServer;
  browser: ChromiumSession;
  page: Page;
  close(): Promise<void>;
}

/**
 * Bundles the test worker, serves it with the test page, ORT's dist files and
 * the fixtures (cross-origin isolated unless `isolated: false`), opens the page.
 */
export async function openWorkerPage(options: { isolated?: boolean } = {}): Promise<WorkerPage> {
  const dir = await mkdtemp(join(tmpdir(), 'stipple-worker-'));
  await writeFile(join(dir, 'test-worker.js'), await bundlePage('test/worker/pages/test-worker.ts'));
  const server = await startTestServer({
    pages: { '/': 'test/worker/pages/worker-page.ts' },
    routes: { '/worker/': dir, '/ort/': 'node_modules/onnxruntime-web/dist/', '/fixtures/': 'test/fixtures/' },
    headers: options.isolated === false ? {} : ISOLATION,
  });
  const browser = await launchChromium();
  const page = await browser.open(`${server.url}/`);
  await page.waitForFunction(() => (window as unknown as { stippleReady?: boolean }).stippleReady === true);
  return {
    server,
    browser,
    page,
    async close() {
      await browser.close();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Calls `window.stippleTest[fn](...args)` in the page. */
export function call<K extends keyof StippleTestApi>(
  page: Page,
  fn: K,
  ...args: Parameters<StippleTestApi[K]>
): Promise<Awaited<ReturnType<StippleTestApi[K]>>> {
  return page.evaluate(
    ([f, a]) => (window as unknown as { stippleTest: Record<string, (...x: unknown[]) => unknown> }).stippleTest[f as string]!(...(a as unknown[])),
    [fn, args] as const,
  ) as Promise<Awaited<ReturnType<StippleTestApi[K]>>>;
}

