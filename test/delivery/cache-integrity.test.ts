/**
 * Issue 13: a cached model is never "complete" unless every file is valid.
 * Files damaged in the cache (an error page stored by an older version, a
 * damaged record.json) are found on read, all at once, and fetched again on
 * the next online load; offline, the error names the model, the files and
 * the repair.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CacheError, loadModel, MemoryCache, type ModelCache } from '../../core/delivery';
import { NodeFsCache } from '../../core/delivery/node-fs-cache';
import type { FaultServer } from './fault-server';
import { expectConsistent, fixtureBytes, sha256, startFixtureServer } from './helpers';

const MiB = 1024 * 1024;
const ONNX = ['text_encoder/model.onnx', 'unet/model.onnx', 'vae_decoder/model.onnx', 'vae_encoder/model.onnx'];
const HTML = new TextEncoder().encode('<!DOCTYPE html><html><body>Service unavailable</body></html>');
let server: FaultServer;
let base: string;

beforeAll(async () => {
  server = await startFixtureServer();
  base = `${server.url}/`;
});
afterAll(() => server.close());
beforeEach(() => {
  server.clearFaults();
  server.resetStats();
  server.offline = false;
});

const opts = (cache: ModelCache, extra: object = {}) => ({ cache, base, storage: null, sleep: async () => undefined, chunkSize: MiB, ...extra });

/** Replaces a cached file by `bytes` and has the record call it complete, as a cache written before these checks could. */
async function plant(cache: ModelCache, id: string, path: string, bytes: Uint8Array): Promise<void> {
  const record = (await cache.getRecord(id))!;
  await cache.deleteChunks((await cache.listChunks(id)).filter((c) => c.path === path));
  await cache.putChunk(id, path, 0, bytes);
  const { sha256: _drop, ...entry } = record.files[path] ?? { chunkSize: MiB, revision: record.manifest.revision };
  await cache.putRecord({ ...record, files: { ...record.files, [path]: { ...entry, state: 'complete', size: bytes.length, chunks: 1 } } });
}

describe('damaged files in the cache', () => {
  it('every .onnx an error page: one component load names all four, one load fetches all four again', async () => {
    const cache = new MemoryCache();
    await loadModel('tiny-sd', opts(cache));
    for (const path of ONNX) await plant(cache, 'tiny-sd', path, HTML);

    const repo = await loadModel('tiny-sd', opts(cache));
    const err = await repo.components.unet.load().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CacheError);
    expect([...(err as CacheError).files].sort()).toEqual(ONNX);
    expect((err as Error).message).toMatch(/tiny-sd: .*unet\/model\.onnx.*HTML.*Connect to the network and load the model again/);

    server.resetStats();
    const repaired = await loadModel('tiny-sd', opts(cache));
    const fetched = server.requests.filter((r) => r.method === 'GET').map((r) => r.path.replace('/models/tiny-sd/sd/', ''));
    expect(fetched.sort()).toEqual(ONNX);
    for (const name of ['text_encoder', 'unet', 'vae_decoder', 'vae_encoder'] as const) {
      const c = await repaired.components[name].load();
      expect(sha256(c.model)).toBe(sha256(await fixtureBytes('sd', `${name}/model.onnx`)));
    }
    await expectConsistent(cache, 'tiny-sd');
  });

  it('a tokenizer file that is an error page: refetched once when online, a CacheError naming it when offline', async () => {
    const cache = new MemoryCache();
    await loadModel('tiny-sd', opts(cache));
    await plant(cache, 'tiny-sd', 'tokenizer/vocab.json', HTML);

    server.offline = true;
    const err = await loadModel('tiny-sd', opts(cache, { offline: true })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CacheError);
    expect(err).toMatchObject({ model: 'tiny-sd', files: ['tokenizer/vocab.json'] });
    expect((err as Error).message).toMatch(/tokenizer\/vocab\.json.*HTML.*Connect to the network and load the model again/);

    server.offline = false;
    server.resetStats();
    await plant(cache, 'tiny-sd', 'tokenizer/vocab.json', HTML);
    const repo = await loadModel('tiny-sd', opts(cache));
    expect(repo.tokenizer.encode('a photo of a cat').numTokens).toBeGreaterThan(2);
    expect(server.requests.filter((r) => r.method === 'GET').map((r) => r.path)).toEqual(['/models/tiny-sd/sd/tokenizer/vocab.json']);
  });

  it('a damaged record.json is moved aside and the model fetched again, never a bare SyntaxError', async () => {
    const root = mkdtempSync(join(tmpdir(), 'stipple-record-'));
    const cache = new NodeFsCache(root);
    await loadModel('tiny-sd', opts(cache));
    const dir = join(root, 'tiny-sd');
    writeFileSync(join(dir, 'record.json'), '{"version": 1, "id": "tiny-sd", "manif');

    server.offline = true;
    const offline = await loadModel('tiny-sd', opts(cache, { offline: true })).catch((e: unknown) => e);
    expect(offline).toBeInstanceOf(CacheError);
    expect(existsSync(join(dir, 'record.json.damaged'))).toBe(true);

    server.offline = false;
    const repo = await loadModel('tiny-sd', opts(cache));
    expect(repo.kind).toBe('plain');
    expect((await expectConsistent(cache, 'tiny-sd')).length).toBeGreaterThan(10);
  });
});

describe('content hashes', () => {
  const url = (): string => `${server.url}/variants/optimum-1.22/sd/`;
  const unetPath = '/variants/optimum-1.22/sd/unet/model.onnx';

  it("records the host's X-Linked-Etag sha256 for a discovered repo, and refuses a file that does not match it", async () => {
    const real = sha256(new Uint8Array(await (await fetch(`${server.url}${unetPath}`)).arrayBuffer()));
    server.fault(unetPath, { headers: { 'X-Linked-Etag': `"${real}"` } });
    const cache = new MemoryCache();
    await loadModel(url(), opts(cache));
    expect((await cache.getRecord(url()))!.files['unet/model.onnx']).toMatchObject({ state: 'complete', sha256: real });

    const wrong = 'ab'.repeat(32);
    server.fault(unetPath, { headers: { 'X-Linked-Etag': `"${wrong}"` } });
    const err = await loadModel(url(), opts(new MemoryCache())).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INTEGRITY', file: 'unet/model.onnx' });
    expect((err as Error).message).toMatch(/X-Linked-Etag/);
  });

  it('readVerify: sha256 records a hash for every file of a discovered repo and catches a flipped byte', async () => {
    const cache = new MemoryCache();
    const repo = await loadModel(url(), opts(cache, { readVerify: 'sha256' }));
    const record = (await cache.getRecord(url()))!;
    expect(Object.values(record.files).every((f) => f.state !== 'complete' || /^[0-9a-f]{64}$/.test(f.sha256 ?? ''))).toBe(true);
    const chunk = (await cache.getChunk(url(), 'unet/model.onnx', 1))!;
    chunk[100]! ^= 0x01;
    await cache.putChunk(url(), 'unet/model.onnx', 1, chunk);
    await expect(repo.components.unet.load()).rejects.toThrow(/sha256 does not match/);
  });
});
