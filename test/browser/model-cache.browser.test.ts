/**
 * The model cache in a real browser: Debian's Chromium (playwright-core)
 * with real IndexedDB and OPFS. Download a model, reload the page, cut the
 * network, and load it again from IndexedDB alone; repair an entry the
 * browser deleted under us; read a repo from a FileSystemDirectoryHandle.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetManifest } from '../../core/delivery';
import { launchChromium, startTestServer, type ChromiumSession, type TestServer } from './harness';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'tiny-sd');
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('model cache in Chromium (IndexedDB)', () => {
  let server: TestServer;
  let browser: ChromiumSession;
  let page: Page;
  let unetSha: string;

  beforeAll(async () => {
    server = await startTestServer({
      pages: { '/': 'test/browser/pages/model-cache.ts' },
      routes: {
        '/models/tiny-sd/': 'test/fixtures/tiny-sd/',
        '/variants/': 'test/fixtures/variants/',
        '/ort/': 'node_modules/onnxruntime-web/dist/',
      },
    });
    browser = await launchChromium();
    page = await browser.open(`${server.url}/`);
    await page.waitForFunction(() => 'stippleTest' in window);
    unetSha = sha256(await readFile(join(FIXTURES, 'sd', 'unet', 'model.onnx')));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const modelRequests = (): string[] => server.requests.filter((r) => r.includes(' /models/'));

  it('downloads tiny-sd into IndexedDB, then after a reload loads it with the network cut', async () => {
    const first = await page.evaluate(() => window.stippleTest.download('tiny-sd'));
    expect(first.kind).toBe('plain');
    expect(first.unetSha).toBe(unetSha);
    const total = presetManifest('tiny-sd', 'http://x/').files.reduce((n, f) => n + f.size!, 0);
    expect(first.events.at(-1)).toMatchObject({ status: 'ready', progress: 1, totalLoaded: total, totalBytes: total });
    expect(first.models).toEqual([expect.objectContaining({ id: 'tiny-sd', complete: true, bytes: total })]);
    expect(first.estimate.quota).toBeGreaterThan(total);
    expect(modelRequests()).toHaveLength(15);

    await page.reload();
    await page.waitForFunction(() => 'stippleTest' in window);
    server.requests.length = 0;
    await browser.context.setOffline(true);
    try {
      const offline = await page.evaluate(() => window.stippleTest.load('tiny-sd', false));
      expect(offline).toMatchObject({ ok: true, kind: 'plain', unetSha });
    } finally {
      await browser.context.setOffline(false);
    }
    expect(modelRequests()).toEqual([]);
  });

  it('detects a chunk the browser deleted under us: a typed error offline, a repair online', async () => {
    await page.evaluate(() => window.stippleTest.deleteChunk('tiny-sd', 'unet/model.onnx', 4));
    const offline = await page.evaluate(() => window.stippleTest.load('tiny-sd', true));
    expect(offline).toMatchObject({ ok: false, error: { code: 'CACHE', files: ['unet/model.onnx'] } });

    server.requests.length = 0;
    const repaired = await page.evaluate(() => window.stippleTest.load('tiny-sd', false));
    expect(repaired).toMatchObject({ ok: true, unetSha });
    // Only the rest of the UNet, from the first missing chunk on.
    expect(modelRequests()).toEqual([`GET /models/tiny-sd/sd/unet/model.onnx bytes=${4 * 1024 * 1024}-`]);
  });

  it('hands a cached file on as a blob: URL that fetch() reads back whole', async () => {
    const result = await page.evaluate(() => window.stippleTest.blobUrl('tiny-sd', 'unet/model.onnx'));
    expect(result).toEqual({ url: 'blob:', size: 6382887, contentLength: '6382887', sha: unetSha });
  });

  it.each(['cache', 'url'] as const)('hands large external data to ONNX Runtime as a URL (%s source), never as one buffer', async (via) => {
    const result = await page.evaluate(([url, v]) => window.stippleTest.ortExternalData(url, v), [`${server.url}/variants/external-data/sd/`, via] as const);
    expect(result).toEqual({ ok: true, handedAs: 'string', inChannels: 4 });
  });

  it('reads a repo from a FileSystemDirectoryHandle (OPFS)', async () => {
    const paths = presetManifest('tiny-ip2p', 'http://x/').files.map((f) => f.path);
    const result = await page.evaluate(([base, p]) => window.stippleTest.opfs(base, p), [`${server.url}/models/tiny-sd/ip2p/`, paths] as const);
    expect(result).toMatchObject({ kind: 'pix2pix', missing: false, description: 'the folder "repo"' });
    expect(result.unetSha).toBe(sha256(await readFile(join(FIXTURES, 'ip2p', 'unet', 'model.onnx'))));
    // 404s are expected (discovery probes optional files with HEAD); anything else is a page error.
    expect(browser.errors.filter((e) => !e.startsWith('Failed to load resource'))).toEqual([]);
  });
});
