/**
 * Shared Chromium test harness: a static server on 127.0.0.1 that serves
 * folders and esbuild-bundled test pages, and Debian's Chromium driven by
 * playwright-core. Tests are plain vitest tests in Node (not vitest browser
 * mode): they start a server, open a page, and call functions the page puts
 * on `window`.
 *
 * @example
 * const server = await startTestServer({
 *   pages: { '/': 'test/browser/pages/my-page.ts' },
 *   routes: { '/models/': 'test/fixtures/tiny-sd/' },
 * });
 * const browser = await launchChromium();
 * const page = await browser.open(`${server.url}/`);
 * const answer = await page.evaluate(() => window.myTest.run());
 * await browser.close(); await server.close();
 *
 * Never run `npx playwright install`: the harness uses /usr/bin/chromium
 * (apt `chromium`, installed by .ci/run). A missing Chromium fails the tests
 * that need it: a browser test that skips itself proves nothing.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { build } from 'esbuild';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env['STIPPLE_CHROMIUM'] ?? '/usr/bin/chromium';

/** Flags that work headless on this kind of machine (see docs/platform.md), without WebGPU. */
export const CHROMIUM_BASE_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--disable-dev-shm-usage',
];

/** The base flags plus SwiftShader WebGPU. */
export const CHROMIUM_ARGS = [...CHROMIUM_BASE_ARGS, '--enable-unsafe-webgpu'];

const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
};

/** What {@link startTestServer} serves. */
export interface TestServerOptions {
  /** URL path -> TS entry (repo-relative or absolute), served as an HTML page running the bundled entry. */
  readonly pages?: Record<string, string>;
  /** URL prefix (`/models/`) -> folder (repo-relative or absolute). */
  readonly routes?: Record<string, string>;
  /** Headers on every answer, e.g. COOP/COEP for `crossOriginIsolated`. */
  readonly headers?: Record<string, string>;
  /** Sees every request first; return true when it has answered (e.g. to simulate an outage). */
  readonly intercept?: (req: IncomingMessage, res: ServerResponse, path: string) => boolean;
}

export interface TestServer {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  readonly url: string;
  /** `METHOD /path` of every request, in order (Range appended when present). */
  readonly requests: string[];
  close(): Promise<void>;
}

/** Starts the server; page bundles are built once, up front, so build errors fail the test at once. */
export async function startTestServer(options: TestServerOptions): Promise<TestServer> {
  // Page `/x` is an HTML shell that loads its bundle from `/__bundles/<n>.js`.
  const pages = new Map<string, string>();
  const scripts = new Map<string, string>();
  for (const [path, entry] of Object.entries(options.pages ?? {})) {
    const script = `/__bundles/${scripts.size}.js`;
    scripts.set(script, await bundlePage(entry));
    pages.set(path, `<!doctype html><meta charset="utf-8"><title>test</title><script type="module" src="${script}"></script>`);
  }
  const routes = Object.entries(options.routes ?? {}).map(([prefix, dir]) => [prefix, resolve(REPO_ROOT, dir)] as const);
  const requests: string[] = [];

  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(`${req.method} ${path}${req.headers.range ? ` ${req.headers.range}` : ''}`);
    for (const [k, v] of Object.entries(options.headers ?? {})) res.setHeader(k, v);
    if (options.intercept?.(req, res, path)) return;
    // Browsers ask for it on their own; a 404 would show up as a console error in every test.
    if (path === '/favicon.ico') return void res.writeHead(204).end();
    if (scripts.has(path)) return send(res, req, scripts.get(path)!, TYPES['.js']!);
    if (pages.has(path)) return send(res, req, pages.get(path)!, TYPES['.html']!);
    for (const [prefix, dir] of routes) {
      if (!path.startsWith(prefix)) continue;
      const file = normalize(join(dir, path.slice(prefix.length)));
      if (!file.startsWith(dir + sep)) break;
      try {
        if (!(await stat(file)).isFile()) break;
      } catch {
        break;
      }
      return send(res, req, await readFile(file), TYPES[extname(file)] ?? 'application/octet-stream');
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
  };

  const server = createServer((req, res) => {
    answer(req, res).catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Serves `body`, honouring a simple `Range: bytes=N-` (downloads resume with it). */
function send(res: ServerResponse, req: IncomingMessage, body: string | Uint8Array, type: string): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const match = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const headers: Record<string, string | number> = { 'Content-Type': type, 'Accept-Ranges': 'bytes', 'Cache-Control': 'no-store' };
  if (match && Number(match[1]) < bytes.length) {
    const start = Number(match[1]);
    headers['Content-Range'] = `bytes ${start}-${bytes.length - 1}/${bytes.length}`;
    headers['Content-Length'] = bytes.length - start;
    res.writeHead(206, headers);
    res.end(req.method === 'HEAD' ? undefined : bytes.subarray(start));
    return;
  }
  headers['Content-Length'] = bytes.length;
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

/** Bundles a test page entry for the browser (ESM, sourcemaps inline). */
export async function bundlePage(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [resolve(REPO_ROOT, entry)],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    sourcemap: 'inline',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** A running Chromium with its own fresh profile (IndexedDB, OPFS, cache survive reloads, not the test). */
export interface ChromiumSession {
  readonly context: BrowserContext;
  /** Opens `url` in a new tab; page errors and console errors are collected in `errors`. */
  open(url: string): Promise<Page>;
  /** Uncaught page errors and `console.error` lines, for assertions and debugging. */
  readonly errors: string[];
  /** Closes the browser and deletes the profile. */
  close(): Promise<void>;
}

/** Launches Debian's Chromium headless with a fresh user-data dir. */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<ChromiumSession> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} is missing: install Debian's chromium (apt-get install -y chromium), as .ci/run does.`);
  }
  const profile = await mkdtemp(join(tmpdir(), 'stipple-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
  const errors: string[] = [];
  return {
    context,
    errors,
    async open(url) {
      const page = await context.newPage();
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await page.goto(url);
      return page;
    },
    async close() {
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}
