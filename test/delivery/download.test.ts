/**
 * downloadModel against a real HTTP server on 127.0.0.1 serving the fixture
 * repos, with faults injected: dropped connections, Range ignored, wrong
 * Content-Length, error statuses, slow bodies. Every failure must end in a
 * typed error or a repair, with the cache consistent (no orphan chunks, no
 * "complete" file with missing bytes).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CachedSource,
  downloadModel,
  DownloadError,
  IntegrityError,
  MemoryCache,
  QuotaError,
  type DownloadProgress,
  type ModelManifest,
} from '../../core/delivery';
import { CancelledError } from '../../core/errors';
import { loadModelRepo } from '../../core/models';
import type { FaultServer } from './fault-server';
import { expectConsistent, fast, fixtureBytes, sha256, startFixtureServer, tinyManifest } from './helpers';

const MiB = 1024 * 1024;
const UNET = 'unet/model.onnx';
const UNET_URL = '/models/tiny-sd/sd/unet/model.onnx';
let server: FaultServer;

beforeAll(async () => {
  server = await startFixtureServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.clearFaults();
  server.resetStats();
});

const gets = (path: string): string[] =>
  server.requests.filter((r) => r.method === 'GET' && r.path === path).map((r) => r.range ?? 'whole');

async function unetOnly(extra: Partial<Parameters<typeof fast>[1]> = {}, cache = new MemoryCache()) {
  const manifest = tinyManifest(server, [UNET], 'unet-only');
  const result = await downloadModel(manifest, fast(cache, { chunkSize: MiB, ...extra }));
  return { cache, manifest, result };
}

async function storedUnet(cache: MemoryCache, id = 'unet-only'): Promise<Uint8Array> {
  const record = (await cache.getRecord(id))!;
  return new CachedSource(cache, record).readBytes(UNET);
}

describe('downloadModel', () => {
  it('downloads tiny-sd in chunks with progress events, and the cache loads as a repo', async () => {
    const cache = new MemoryCache();
    const manifest = tinyManifest(server);
    const events: DownloadProgress[] = [];
    const result = await downloadModel(manifest, fast(cache, { chunkSize: MiB, onProgress: (e) => events.push(e) }));

    const total = manifest.files.reduce((n, f) => n + f.size!, 0);
    expect(result.bytesDownloaded).toBe(total);
    expect([...result.downloaded].sort()).toEqual(manifest.files.map((f) => f.path).sort());
    for (const f of manifest.files) {
      const entry = result.record.files[f.path]!;
      expect(entry).toMatchObject({ state: 'complete', size: f.size, sha256: f.sha256, chunks: Math.ceil(f.size! / MiB) });
    }

    // transformers.js-style events: initiate ... progress ... done per file, one ready at the end.
    expect(events.at(-1)).toMatchObject({ status: 'ready', loaded: total, total, progress: 1, totalLoaded: total, totalBytes: total });
    expect(events.filter((e) => e.status === 'ready')).toHaveLength(1);
    for (const f of manifest.files) {
      const mine = events.filter((e) => e.file === f.path);
      expect(mine[0]!.status).toBe('initiate');
      expect(mine.at(-1)).toMatchObject({ status: 'done', loaded: f.size, total: f.size, progress: 1 });
    }
    expect(events.filter((e) => e.file === UNET && e.status === 'progress').length).toBeGreaterThan(5);
    let last = 0;
    for (const e of events) {
      expect(e.progress).toBeGreaterThanOrEqual(0);
      expect(e.progress).toBeLessThanOrEqual(1);
      expect(e.totalBytes).toBe(total);
      expect(e.totalLoaded).toBeGreaterThanOrEqual(last);
      last = e.totalLoaded;
    }

    const source = await CachedSource.open(cache, manifest.id);
    const repo = await loadModelRepo(source);
    expect(repo.kind).toBe('plain');
    const unet = await repo.components.unet.load();
    expect(sha256(unet.model)).toBe(manifest.files.find((f) => f.path === UNET)!.sha256);
    expect(await expectConsistent(cache, manifest.id)).toHaveLength(manifest.files.length);

    // Everything cached: a second download asks the server nothing.
    server.resetStats();
    const again = await downloadModel(manifest, fast(cache));
    expect(again.downloaded).toEqual([]);
    expect(server.requests).toEqual([]);
  });

  it('limits how many files download at once', async () => {
    const slow = { delayMs: 3 };
    for (const p of ['text_encoder/model.onnx', UNET, 'vae_decoder/model.onnx', 'vae_encoder/model.onnx', 'tokenizer/vocab.json']) {
      server.fault(`/models/tiny-sd/sd/${p}`, slow);
    }
    await downloadModel(tinyManifest(server), fast(new MemoryCache(), { concurrency: 2 }));
    expect(server.maxActive).toBe(2);
    server.resetStats();
    await downloadModel(tinyManifest(server, undefined, 'one-at-a-time'), fast(new MemoryCache(), { concurrency: 1 }));
    expect(server.maxActive).toBe(1);
  });

  it('resumes a dropped connection from the last byte received, with Range', async () => {
    server.fault(UNET_URL, [{ dropAfter: 1_500_000 }, { dropAfter: 1_500_000 }]);
    const { cache, manifest } = await unetOnly();
    expect(gets(UNET_URL)).toEqual(['whole', 'bytes=1500000-', 'bytes=3000000-']);
    expect(sha256(await storedUnet(cache))).toBe(manifest.files[0]!.sha256);
    expect(await expectConsistent(cache, manifest.id)).toEqual([UNET]);
  });

  it('starts the file over, cleanly, when the server ignores Range', async () => {
    server.fault(UNET_URL, [{ dropAfter: 2_500_000 }, { ignoreRange: true }]);
    const events: DownloadProgress[] = [];
    const { cache, manifest } = await unetOnly({ onProgress: (e) => events.push(e) });
    expect(gets(UNET_URL)).toEqual(['whole', 'bytes=2500000-']);
    const loaded = events.filter((e) => e.status === 'progress').map((e) => e.loaded);
    expect(loaded.some((n, i) => i > 0 && n < loaded[i - 1]!)).toBe(true); // progress went back to 0 once
    expect(sha256(await storedUnet(cache))).toBe(manifest.files[0]!.sha256);
    expect(await expectConsistent(cache, manifest.id)).toEqual([UNET]);
  });

  it('retries 5xx answers with exponential backoff', async () => {
    server.fault(UNET_URL, [{ status: 500 }, { status: 503 }]);
    const delays: number[] = [];
    const { cache, manifest } = await unetOnly({ retryDelayMs: 100, sleep: async (ms) => void delays.push(ms) });
    expect(gets(UNET_URL)).toEqual(['whole', 'whole', 'whole']);
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeGreaterThanOrEqual(75);
    expect(delays[0]).toBeLessThanOrEqual(100);
    expect(delays[1]).toBeGreaterThanOrEqual(150);
    expect(delays[1]).toBeLessThanOrEqual(200);
    expect(sha256(await storedUnet(cache))).toBe(manifest.files[0]!.sha256);
  });

  it('gives up after the retries, keeps what was received, and the next download resumes (hash included)', async () => {
    server.fault(UNET_URL, [{ dropAfter: 1_200_000 }, { status: 500 }, { status: 500 }, { status: 500 }]);
    const cache = new MemoryCache();
    const manifest = tinyManifest(server, [UNET, 'model_index.json'], 'flaky');
    const err = await downloadModel(manifest, fast(cache, { chunkSize: MiB, retries: 3, concurrency: 1 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect(err).toMatchObject({ code: 'DOWNLOAD', file: UNET, resumable: true });
    expect((err as Error).message).toMatch(/HTTP 500.*gave up after 4 failed attempts/);
    // The first MiB (one whole chunk) is stored and recorded as partial; nothing is "complete" that is not.
    expect(await expectConsistent(cache, manifest.id)).not.toContain(UNET);
    expect((await cache.getRecord(manifest.id))!.files[UNET]).toMatchObject({ state: 'partial', chunks: 1 });

    server.resetStats();
    const result = await downloadModel(manifest, fast(cache, { chunkSize: MiB }));
    expect(gets(UNET_URL)).toEqual([`bytes=${MiB}-`]);
    expect(result.bytesDownloaded).toBe(manifest.files.find((f) => f.path === UNET)!.size! - MiB + (result.downloaded.includes('model_index.json') ? 467 : 0));
    expect(result.record.files[UNET]!.sha256).toBe(manifest.files.find((f) => f.path === UNET)!.sha256);
  });

  it('a 404 for a required file is a DownloadError, and nothing of that file is kept', async () => {
    server.fault('/models/tiny-sd/sd/vae_decoder/model.onnx', { status: 404, methods: ['GET', 'HEAD'] });
    const cache = new MemoryCache();
    const manifest = tinyManifest(server);
    const err = await downloadModel(manifest, fast(cache, { chunkSize: MiB })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect(err).toMatchObject({ status: 404, file: 'vae_decoder/model.onnx', resumable: false });
    expect((err as Error).message).toContain(`${server.url}/models/tiny-sd/sd/vae_decoder/model.onnx`);
    expect(await expectConsistent(cache, manifest.id)).not.toContain('vae_decoder/model.onnx');
  });

  it('an optional file the repo lacks is recorded as absent', async () => {
    const base = tinyManifest(server);
    const manifest: ModelManifest = { ...base, id: 'with-optional', files: [...base.files, { path: 'unet/model.onnx_data', optional: true }] };
    const cache = new MemoryCache();
    const result = await downloadModel(manifest, fast(cache));
    expect(result.record.files['unet/model.onnx_data']).toMatchObject({ state: 'absent' });
    const source = await CachedSource.open(cache, manifest.id);
    expect(await source.exists('unet/model.onnx_data')).toBe(false);
    expect((await loadModelRepo(source)).components.unet.externalDataPaths).toEqual([]);
  });

  it('repairs a wrong Content-Length: too long (the body is all there) or too short (resumed)', async () => {
    server.fault(UNET_URL, { lengthDelta: 1000 });
    const long = await unetOnly();
    expect(sha256(await storedUnet(long.cache))).toBe(long.manifest.files[0]!.sha256);

    server.clearFaults();
    server.resetStats();
    server.fault(UNET_URL, [{ lengthDelta: -100_000 }]);
    const short = await unetOnly();
    const size = short.manifest.files[0]!.size!;
    expect(gets(UNET_URL)).toEqual(['whole', `bytes=${size - 100_000}-`]);
    expect(sha256(await storedUnet(short.cache))).toBe(short.manifest.files[0]!.sha256);
  });

  it('a file whose sha256 differs is an IntegrityError, and is not kept', async () => {
    const bytes = await fixtureBytes('sd', UNET);
    const corrupt = bytes.slice();
    corrupt[3_000_000]! ^= 0xff;
    server.fault(UNET_URL, { body: corrupt });
    const cache = new MemoryCache();
    const manifest = tinyManifest(server, [UNET, 'model_index.json'], 'corrupt');
    const err = await downloadModel(manifest, fast(cache, { chunkSize: MiB })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect(err).toMatchObject({ code: 'INTEGRITY', file: UNET, expected: `sha256 ${sha256(bytes)}`, actual: `sha256 ${sha256(corrupt)}` });
    expect(await expectConsistent(cache, manifest.id)).not.toContain(UNET);
    expect((await cache.listChunks(manifest.id)).filter((c) => c.path === UNET)).toEqual([]);
  });

  it('a file whose size differs is an IntegrityError, longer or shorter', async () => {
    const bytes = await fixtureBytes('sd', UNET);
    const longer = new Uint8Array(bytes.length + 10);
    longer.set(bytes);
    for (const [name, body] of [['longer', longer], ['shorter', bytes.subarray(0, bytes.length - 10)]] as const) {
      server.fault(UNET_URL, { body });
      const cache = new MemoryCache();
      const err = await unetOnly({}, cache).catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(IntegrityError);
      expect((err as IntegrityError).expected).toBe(`${bytes.length} bytes`);
      expect(await expectConsistent(cache, 'unet-only')).toEqual([]);
      expect(await cache.listRecords()).toEqual([]);
    }
  });

  it('copes with slow responses, and retries one that stalls', async () => {
    server.fault('/models/tiny-sd/sd/vae_encoder/model.onnx', { delayMs: 5 });
    const events: DownloadProgress[] = [];
    const manifest = tinyManifest(server, ['vae_encoder/model.onnx'], 'slow');
    await downloadModel(manifest, fast(new MemoryCache(), { onProgress: (e) => events.push(e), progressInterval: 64 * 1024 }));
    expect(events.filter((e) => e.status === 'progress').length).toBeGreaterThanOrEqual(7);

    server.fault(UNET_URL, [{ delayMs: 5000 }]);
    const { cache } = await unetOnly({ idleTimeoutMs: 400 });
    expect(gets(UNET_URL)).toEqual(['whole', 'whole']);
    expect(sha256(await storedUnet(cache))).toBe(tinyManifest(server, [UNET]).files[0]!.sha256);
  });

  it('cancels with an AbortSignal, keeps what was received, and resumes on the next call', async () => {
    server.fault(UNET_URL, { delayMs: 4 });
    const controller = new AbortController();
    const cache = new MemoryCache();
    const manifest = tinyManifest(server, [UNET], 'cancel');
    const err = await downloadModel(
      manifest,
      fast(cache, { chunkSize: MiB, signal: controller.signal, onProgress: (e) => e.loaded > 2.5 * MiB && controller.abort() }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect((err as Error).message).toMatch(/download was cancelled/);
    const partial = (await cache.getRecord(manifest.id))!.files[UNET]!;
    expect(partial.state).toBe('partial');
    expect(partial.chunks).toBeGreaterThanOrEqual(2); // whole chunks stored before the abort landed
    await expectConsistent(cache, manifest.id);

    server.clearFaults();
    server.resetStats();
    const result = await downloadModel(manifest, fast(cache, { chunkSize: MiB }));
    expect(gets(UNET_URL)).toEqual([`bytes=${partial.chunks * MiB}-`]);
    expect(result.record.files[UNET]!.sha256).toBe(manifest.files[0]!.sha256);
  });

  it('checks the quota first and names the bytes needed; nothing is requested or stored', async () => {
    const cache = new MemoryCache();
    const manifest = tinyManifest(server);
    const total = manifest.files.reduce((n, f) => n + f.size!, 0);
    const storage = { estimate: async () => ({ quota: 10_000_000, usage: 9_000_000 }) };
    const err = await downloadModel(manifest, { ...fast(cache), storage }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QuotaError);
    expect(err).toMatchObject({ code: 'QUOTA', needed: total, available: 1_000_000 });
    expect((err as Error).message).toContain(`${total} bytes`);
    expect(server.requests).toEqual([]);
    expect(await cache.listRecords()).toEqual([]);
  });

  it('maps a QuotaExceededError during writes to a QuotaError and removes the partial files', async () => {
    /** Refuses writes once 8 MB are stored, like a browser at its quota. */
    class FullCache extends MemoryCache {
      stored = 0;
      override async putChunk(model: string, path: string, index: number, bytes: Uint8Array): Promise<void> {
        if (this.stored + bytes.length > 8_000_000) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        this.stored += bytes.length;
        return super.putChunk(model, path, index, bytes);
      }
    }
    const cache = new FullCache();
    const manifest = tinyManifest(server);
    const err = await downloadModel(manifest, fast(cache, { chunkSize: MiB, concurrency: 2 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QuotaError);
    expect((err as QuotaError).needed).toBeGreaterThan(0);
    const record = await cache.getRecord(manifest.id);
    for (const entry of Object.values(record?.files ?? {})) expect(entry.state).toBe('complete');
    await expectConsistent(cache, manifest.id);
  });

  it('asks once for persistent storage and reports the answer', async () => {
    let asked = 0;
    const storage = {
      estimate: async () => ({ quota: 1e12, usage: 0 }),
      persisted: async () => false,
      persist: async () => (asked++, true),
    };
    const first = await downloadModel(tinyManifest(server, ['model_index.json'], 'p1'), { ...fast(new MemoryCache()), storage });
    const second = await downloadModel(tinyManifest(server, ['model_index.json'], 'p2'), { ...fast(new MemoryCache()), storage });
    expect(first.persisted).toBe(true);
    expect(second.persisted).toBe(true);
    expect(asked).toBe(1);
  });
});
