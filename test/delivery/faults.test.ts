/**
 * Issue 13: downloads and discovery always end, and nothing but a valid
 * file is ever called complete. The fault server answers with an HTML page
 * and status 200, trickles then stalls, or never answers.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CacheError, downloadModel, loadModel, MemoryCache } from '../../core/delivery';
import { checkContent } from '../../core/delivery/content-check';
import { CancelledError, StippleError } from '../../core/errors';
import type { FaultServer } from './fault-server';
import { expectConsistent, fast, fixtureBytes, startFixtureServer, tinyManifest } from './helpers';

const MiB = 1024 * 1024;
let server: FaultServer;

beforeAll(async () => {
  server = await startFixtureServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.clearFaults();
  server.resetStats();
  server.offline = false;
});

const SD = '/models/tiny-sd/sd';
const CONFIGS = ['model_index.json', 'tokenizer/vocab.json', 'tokenizer/merges.txt', 'unet/config.json', 'unet/model.onnx'];

describe('content checks', () => {
  it('accept every fixture file, whole or streamed in odd pieces', async () => {
    for (const path of [...CONFIGS, 'text_encoder/model.onnx', 'vae_decoder/model.onnx']) {
      const bytes = await fixtureBytes('sd', path);
      expect(checkContent(path, bytes), path).toBeNull();
    }
  });

  it('name what is wrong: HTML, truncated ONNX, not JSON, not a vocabulary', async () => {
    const unet = await fixtureBytes('sd', 'unet/model.onnx');
    const html = new TextEncoder().encode('<!DOCTYPE html><html>Checking your browser</html>');
    expect(checkContent('unet/model.onnx', html)).toMatch(/HTML/);
    expect(checkContent('unet/model.onnx', unet.subarray(0, unet.length - 100))).toMatch(/truncated/);
    expect(checkContent('tokenizer/vocab.json', html)).toMatch(/HTML/);
    expect(checkContent('unet/config.json', new TextEncoder().encode('{"a": 1'))).toMatch(/not valid JSON/);
    expect(checkContent('tokenizer/vocab.json', new TextEncoder().encode('{"a": "b"}'))).toMatch(/vocabulary/);
    expect(checkContent('tokenizer/merges.txt', new TextEncoder().encode('#version: 0.2\nnot a merge line at all\n'))).toMatch(/merges/);
  });
});

describe('HTML with status 200', () => {
  it('for a config, once: the file is fetched again and the model is complete and valid', async () => {
    server.fault(`${SD}/tokenizer/vocab.json`, [{ html: true }]);
    server.fault(`${SD}/model_index.json`, [{ html: true }]);
    const cache = new MemoryCache();
    await downloadModel(tinyManifest(server, CONFIGS), fast(cache, { chunkSize: MiB }));
    const vocab = server.requests.filter((r) => r.path === `${SD}/tokenizer/vocab.json` && r.method === 'GET');
    expect(vocab).toHaveLength(2);
    expect(await expectConsistent(cache, 'tiny-sd')).toHaveLength(CONFIGS.length);
  });

  it('for every request: a DownloadError naming the file, and the file is never called complete', async () => {
    server.fault(`${SD}/tokenizer/vocab.json`, { html: true });
    const cache = new MemoryCache();
    const err = await downloadModel(tinyManifest(server, CONFIGS), fast(cache, { chunkSize: MiB })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DOWNLOAD', file: 'tokenizer/vocab.json', resumable: false });
    expect((err as Error).message).toMatch(/HTML.*Nothing of it was kept/);
    expect((await cache.getRecord('tiny-sd'))?.files['tokenizer/vocab.json']).toBeUndefined();
    server.clearFaults();
    await downloadModel(tinyManifest(server, CONFIGS), fast(cache, { chunkSize: MiB }));
    expect(await expectConsistent(cache, 'tiny-sd')).toHaveLength(CONFIGS.length);
  });
});

describe('downloads always end', () => {
  it('a server that trickles 1000 bytes then stalls exhausts the total retry budget', async () => {
    server.fault(`${SD}/unet/model.onnx`, { stallAfter: 1000 });
    const cache = new MemoryCache();
    const err = await downloadModel(
      tinyManifest(server, ['unet/model.onnx']),
      fast(cache, { chunkSize: MiB, idleTimeoutMs: 50, retries: 2, totalRetries: 6 }),
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DOWNLOAD', file: 'unet/model.onnx', resumable: true });
    expect((err as Error).message).toMatch(/no data for 50 ms; gave up after 7 failed attempts/);
    expect(server.requests.filter((r) => r.method === 'GET')).toHaveLength(7);
  });
});

describe('discovery always ends', () => {
  const url = (): string => `${server.url}/variants/optimum-1.22/sd/`;

  it('a server that stalls during discovery: DownloadError after the idle timeout', async () => {
    server.fault('/variants/optimum-1.22/sd/unet/config.json', { stall: true, methods: ['GET', 'HEAD'] });
    const err = await loadModel(url(), { cache: new MemoryCache(), storage: null, idleTimeoutMs: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StippleError);
    expect(err).toMatchObject({ code: 'DOWNLOAD', file: 'unet/config.json' });
    expect((err as Error).message).toMatch(/no data for 100 ms/);
    // It ends by giving up on the first stalled request, not by retrying until the test times out
    // (how long that takes is a bench number: `npm run bench delivery`).
    expect(server.requests.filter((r) => r.path.endsWith('unet/config.json')).map((r) => r.method)).toEqual(['HEAD']);
  });

  it('aborting the signal during a stalled discovery rejects with CancelledError', async () => {
    server.fault('/variants/optimum-1.22/sd/model_index.json', { stall: true, methods: ['GET', 'HEAD'] });
    const abort = new AbortController();
    const pending = loadModel(url(), { cache: new MemoryCache(), storage: null, signal: abort.signal });
    setTimeout(() => abort.abort(), 50);
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
  });
});

export { CacheError };
