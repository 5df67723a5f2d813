/**
 * The three ModelCache implementations pass the same contract tests:
 * MemoryCache, IndexedDbCache on fake-indexeddb, NodeFsCache in a temp folder.
 * Then a real download into each, read back with loadModelRepo, and the
 * model manager API (list / size / delete / clear).
 */
import 'fake-indexeddb/auto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, del } from 'idb-keyval';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CachedSource,
  cachedModelSize,
  clearModelCache,
  deleteCachedModel,
  downloadModel,
  IndexedDbCache,
  listCachedModels,
  loadModel,
  MemoryCache,
  type ModelCache,
  type ModelRecord,
} from '../../core/delivery';
import { NodeFsCache } from '../../core/delivery/node-fs-cache';
import { loadModelRepo } from '../../core/models';
import type { FaultServer } from './fault-server';
import { expectConsistent, fast, startFixtureServer, tinyManifest } from './helpers';

let server: FaultServer;
let tmp: string;
let dbCounter = 0;

beforeAll(async () => {
  server = await startFixtureServer();
  tmp = await mkdtemp(join(tmpdir(), 'stipple-cache-'));
});
afterAll(async () => {
  await server.close();
  await rm(tmp, { recursive: true, force: true });
});

const kinds: [string, () => ModelCache][] = [
  ['MemoryCache', () => new MemoryCache()],
  ['IndexedDbCache', () => new IndexedDbCache({ dbName: `test-${++dbCounter}` })],
  ['NodeFsCache', () => new NodeFsCache(join(tmp, `fs-${++dbCounter}`))],
];

const record = (id: string): ModelRecord => ({
  version: 1,
  id,
  manifest: { id, revision: 'r1', baseUrl: 'https://h.example/', files: [{ path: 'a/b.onnx', size: 3 }] },
  files: { 'a/b.onnx': { state: 'complete', size: 3, chunkSize: 2, chunks: 2, revision: 'r1' } },
  updatedAt: 1,
});

describe.each(kinds)('%s', (_name, make) => {
  it('stores records and chunks, and lists them per model', async () => {
    const cache = make();
    // Ids and paths with characters that need care: slashes, colons, a prefix of another id.
    const ids = ['https://h.example/org/repo/resolve/main/', 'a', 'a/b', '..'];
    for (const id of ids) {
      await cache.putRecord(record(id));
      await cache.putChunk(id, 'a/b.onnx', 0, new Uint8Array([1, 2]));
      await cache.putChunk(id, 'a/b.onnx', 1, new Uint8Array([3]));
    }
    expect((await cache.listRecords()).map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(await cache.getRecord('a')).toEqual(record('a'));
    expect(await cache.getRecord('missing')).toBeUndefined();
    expect(await cache.getChunk('a', 'a/b.onnx', 1)).toEqual(new Uint8Array([3]));
    expect(await cache.getChunk('a', 'a/b.onnx', 2)).toBeUndefined();
    expect((await cache.listChunks('a')).sort((x, y) => x.index - y.index)).toEqual([
      { model: 'a', path: 'a/b.onnx', index: 0 },
      { model: 'a', path: 'a/b.onnx', index: 1 },
    ]);

    await cache.deleteChunks([{ model: 'a', path: 'a/b.onnx', index: 0 }]);
    expect(await cache.listChunks('a')).toEqual([{ model: 'a', path: 'a/b.onnx', index: 1 }]);
    await cache.deleteModel('a');
    expect(await cache.getRecord('a')).toBeUndefined();
    expect(await cache.listChunks('a')).toEqual([]);
    expect(await cache.listChunks('a/b')).toHaveLength(2); // untouched by deleting its prefix "a"
    await cache.clear();
    expect(await cache.listRecords()).toEqual([]);
    expect(await cache.listChunks('a/b')).toEqual([]);
  });

  it('stores a view as its own bytes, not the buffer behind it', async () => {
    const cache = make();
    const big = new Uint8Array(1000).map((_, i) => i & 0xff);
    await cache.putChunk('m', 'f', 0, big.subarray(10, 20));
    big.fill(0); // the downloader reuses its buffer after putChunk resolves
    expect(await cache.getChunk('m', 'f', 0)).toEqual(new Uint8Array([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]));
  });

  it('catches a missing or truncated chunk on read and marks the file for download', async () => {
    const cache = make();
    const m = tinyManifest(server, ['vae_encoder/model.onnx'], 'damaged');
    await downloadModel(m, fast(cache, { chunkSize: 100_000 }));
    const source = await CachedSource.open(cache, 'damaged');
    expect((await source.readBytes('vae_encoder/model.onnx')).length).toBe(463903);

    await cache.putChunk('damaged', 'vae_encoder/model.onnx', 4, new Uint8Array(10)); // the last chunk, truncated
    await expect(source.readBytes('vae_encoder/model.onnx')).rejects.toThrow(/chunk 4 has 10 bytes instead of 63903/);
    expect((await cache.getRecord('damaged'))!.files['vae_encoder/model.onnx']).toMatchObject({ state: 'partial', chunks: 4 });

    await downloadModel(m, fast(cache, { chunkSize: 100_000 }));
    const repaired = await CachedSource.open(cache, 'damaged');
    await cache.deleteChunks([{ model: 'damaged', path: 'vae_encoder/model.onnx', index: 1 }]);
    expect(await CachedSource.open(cache, 'damaged').catch((e: unknown) => e)).toMatchObject({ code: 'CACHE', files: ['vae_encoder/model.onnx'] });
    await expect(repaired.readBytes('vae_encoder/model.onnx')).rejects.toThrow(/chunk 1 of 5 is gone/);
  });

  it('holds a downloaded model that loads offline, and serves the model manager API', async () => {
    const cache = make();
    const sd = tinyManifest(server);
    await downloadModel(sd, fast(cache, { chunkSize: 2 * 1024 * 1024 }));
    const small = tinyManifest(server, ['model_index.json', 'unet/config.json'], 'small');
    await downloadModel(small, fast(cache));

    const repo = await loadModelRepo(await CachedSource.open(cache, sd.id));
    expect(repo.kind).toBe('plain');
    expect((await repo.components.vae_decoder.load()).model.byteLength).toBe(714252);
    expect(await expectConsistent(cache, sd.id)).toHaveLength(15);

    const sdBytes = sd.files.reduce((n, f) => n + f.size!, 0);
    const list = await listCachedModels(cache);
    expect(list.map((m) => m.id).sort()).toEqual(['small', 'tiny-sd']);
    expect(list.find((m) => m.id === 'tiny-sd')).toMatchObject({ complete: true, bytes: sdBytes, totalBytes: sdBytes, missing: [], kind: 'plain' });
    expect(await cachedModelSize(cache, 'small')).toBe(467 + 1647);
    expect(await cachedModelSize(cache)).toBe(sdBytes + 467 + 1647);

    await deleteCachedModel(cache, 'small');
    expect((await listCachedModels(cache)).map((m) => m.id)).toEqual(['tiny-sd']);
    expect(await cache.listChunks('small')).toEqual([]);
    await clearModelCache(cache);
    expect(await listCachedModels(cache)).toEqual([]);
    expect(await cache.listChunks('tiny-sd')).toEqual([]);
  });
});

describe('IndexedDbCache', () => {
  it('recovers when the browser deleted the record but left the chunks', async () => {
    const dbName = `evicted-${++dbCounter}`;
    const cache = new IndexedDbCache({ dbName });
    const opts = { cache, base: `${server.url}/`, storage: null, chunkSize: 1024 * 1024 };
    await loadModel('tiny-sd', opts);
    await del(['record', 'tiny-sd'], createStore(dbName, 'files'));
    expect(await listCachedModels(cache)).toEqual([]);
    server.resetStats();
    const repo = await loadModel('tiny-sd', opts);
    expect(repo.kind).toBe('plain');
    expect(server.requests.filter((r) => r.method === 'GET')).toHaveLength(15);
    expect(await expectConsistent(cache, 'tiny-sd')).toHaveLength(15);
  });
});
