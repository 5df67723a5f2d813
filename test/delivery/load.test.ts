/**
 * loadModel end to end over HTTP: presets, bare repo URLs, offline loads from
 * the cache, and the repairs: entries the browser deleted under us, damaged
 * chunks, a URL that is not a model repo.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CacheError,
  CachedSource,
  checkCachedModel,
  loadModel,
  MemoryCache,
  openModelSource,
  presetManifest,
  type DownloadProgress,
} from '../../core/delivery';
import { ModelFormatError, StippleError } from '../../core/errors';
import type { FaultServer } from './fault-server';
import { expectConsistent, fixtureBytes, sha256, startFixtureServer } from './helpers';

const MiB = 1024 * 1024;
const UNET = 'unet/model.onnx';
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

const opts = (cache: MemoryCache, extra: object = {}) => ({ cache, base, storage: null, sleep: async () => undefined, chunkSize: MiB, ...extra });

describe('loadModel', () => {
  it('loads a preset, then loads it again with the server down, from the cache alone', async () => {
    const cache = new MemoryCache();
    const repo = await loadModel('tiny-sd-inpaint', opts(cache));
    expect(repo.kind).toBe('inpaint');
    expect(server.requests.some((r) => r.path === '/models/tiny-sd/sd-inpaint/unet/model.onnx')).toBe(true);

    server.offline = true;
    server.resetStats();
    const events: DownloadProgress[] = [];
    const again = await loadModel('tiny-sd-inpaint', opts(cache, { onProgress: (e: DownloadProgress) => events.push(e) }));
    expect(again.kind).toBe('inpaint');
    const unet = await again.components.unet.load();
    expect(sha256(unet.model)).toBe(sha256(await fixtureBytes('sd-inpaint', UNET)));
    expect(server.requests).toEqual([]);
    expect(events).toEqual([expect.objectContaining({ status: 'ready', progress: 1 })]);
  });

  it('with `offline`, a model that is not cached is a CacheError, and nothing is requested', async () => {
    const err = await loadModel('tiny-ip2p', opts(new MemoryCache(), { offline: true })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CacheError);
    expect((err as StippleError).code).toBe('CACHE');
    expect((err as Error).message).toMatch(/tiny-ip2p.*not cached.*offline/);
    expect(server.requests).toEqual([]);
  });

  it('discovers a bare repo URL (external data included), caches it, and reloads it offline', async () => {
    const cache = new MemoryCache();
    const url = `${server.url}/variants/external-data/sd/`;
    const repo = await loadModel(url, opts(cache));
    const record = (await cache.getRecord(url))!;
    expect(record.manifest.files.map((f) => f.path)).toEqual(
      expect.arrayContaining(['model_index.json', 'unet/model.onnx', 'unet/model.onnx_data', 'text_encoder/model.onnx_data', 'tokenizer/vocab.json']),
    );
    expect(record.manifest.revision).toBe('unversioned');
    expect(record.files['unet/model.onnx_data']).toMatchObject({ state: 'complete', size: 5665792, chunks: 6 });
    const unet = await repo.components.unet.load();
    expect(unet.externalData?.map((d) => [d.path, (d.data as Uint8Array).byteLength])).toEqual([['model.onnx_data', 5665792]]);

    server.offline = true;
    const offline = await loadModel(url, opts(cache));
    expect(((await offline.components.text_encoder.load()).externalData?.[0]?.data as Uint8Array).byteLength).toBe(6411648);
  });

  it('a URL that is not a model repo fails before anything is stored', async () => {
    const cache = new MemoryCache();
    const err = await loadModel(`${server.url}/models/tiny-sd/`, opts(cache)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFormatError);
    expect((err as ModelFormatError).file).toBe('model_index.json');
    expect(await cache.listRecords()).toEqual([]);
    expect(server.requests.every((r) => r.method === 'HEAD')).toBe(true);
  });

  it('names the presets for a bare word that is not one', async () => {
    const err = await openModelSource('tiny-sdd', opts(new MemoryCache())).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_INPUT' });
    expect((err as Error).message).toContain('tiny-sd, tiny-sd-inpaint');
  });

  it('fetches again only what the browser deleted under us', async () => {
    const cache = new MemoryCache();
    await loadModel('tiny-sd', opts(cache));
    await cache.deleteChunks([{ model: 'tiny-sd', path: UNET, index: 3 }]);
    expect(await checkCachedModel(cache, 'tiny-sd')).toMatchObject({ complete: false, missing: [UNET] });

    server.resetStats();
    const repo = await loadModel('tiny-sd', opts(cache));
    // Chunks 0-2 are still there (and re-hashed): only the rest of the UNet is fetched.
    expect(server.requests.map((r) => `${r.method} ${r.path} ${r.range ?? ''}`)).toEqual([
      `GET /models/tiny-sd/sd/unet/model.onnx bytes=${3 * MiB}-`,
    ]);
    expect(sha256((await repo.components.unet.load()).model)).toBe(sha256(await fixtureBytes('sd', UNET)));
    expect(await expectConsistent(cache, 'tiny-sd')).toHaveLength(15);
  });

  it('a record deleted under us (chunks left behind) is rebuilt; the stray chunks are pruned', async () => {
    const cache = new MemoryCache();
    await loadModel('tiny-sd', opts(cache));
    const before = (await cache.listChunks('tiny-sd')).length;
    // Simulate a half-evicted store: the record is gone, the chunks are not.
    await cache.putRecord({ ...(await cache.getRecord('tiny-sd'))!, files: {} });
    server.resetStats();
    await loadModel('tiny-sd', opts(cache));
    expect(server.requests.filter((r) => r.method === 'GET')).toHaveLength(15);
    expect((await cache.listChunks('tiny-sd')).length).toBe(before);
    expect(await expectConsistent(cache, 'tiny-sd')).toHaveLength(15);
  });

  it('a damaged chunk is caught on read (never "protobuf parsing failed"), and fetched again on the next load', async () => {
    const cache = new MemoryCache();
    const repo = await loadModel('tiny-sd', opts(cache));
    const chunk = (await cache.getChunk('tiny-sd', UNET, 2))!;
    await cache.putChunk('tiny-sd', UNET, 2, chunk.subarray(0, 1000)); // truncated value

    const err = await repo.components.unet.load().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CacheError);
    expect(err).toMatchObject({ code: 'CACHE', files: [UNET] });
    expect((err as Error).message).toMatch(/chunk 2 has 1000 bytes.*load the model again/);
    // The record no longer calls the file complete; the chunks before the damage are kept.
    expect((await cache.getRecord('tiny-sd'))!.files[UNET]).toMatchObject({ state: 'partial', chunks: 2 });

    server.resetStats();
    const repaired = await loadModel('tiny-sd', opts(cache));
    expect(server.requests.map((r) => r.range)).toEqual([`bytes=${2 * MiB}-`]);
    expect(sha256((await repaired.components.unet.load()).model)).toBe(sha256(await fixtureBytes('sd', UNET)));
  });

  it('bytes flipped inside a chunk are caught with readVerify: sha256', async () => {
    const cache = new MemoryCache();
    await loadModel('tiny-sd', opts(cache));
    const chunk = (await cache.getChunk('tiny-sd', UNET, 4))!;
    chunk[1234]! ^= 0x01;
    await cache.putChunk('tiny-sd', UNET, 4, chunk);
    const source = await CachedSource.open(cache, 'tiny-sd', { verify: 'sha256' });
    await expect(source.readBytes(UNET)).rejects.toThrow(/sha256 does not match/);
    expect((await cache.getRecord('tiny-sd'))!.files[UNET]).toBeUndefined();
    await loadModel('tiny-sd', opts(cache));
    expect(await expectConsistent(cache, 'tiny-sd')).toHaveLength(15);
  });

  it('hands large files on as Blobs built from the chunks, and as object URLs', async () => {
    const cache = new MemoryCache();
    const source = (await openModelSource(presetManifest('tiny-sd', base), opts(cache))) as CachedSource;
    const blob = await source.blob(UNET);
    expect(blob.size).toBe(6382887);
    expect(sha256(new Uint8Array(await blob.arrayBuffer()))).toBe(sha256(await fixtureBytes('sd', UNET)));
    const url = await source.objectUrl('unet/config.json');
    expect(url).toMatch(/^blob:/);
    URL.revokeObjectURL(url);
    let n = 0;
    for await (const chunk of source.chunks(UNET)) n += chunk.length;
    expect(n).toBe(6382887);
  });
});
