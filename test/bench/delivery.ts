/**
 * Model delivery benchmark (issue 4), printed as three tables:
 *
 * 1. Download throughput from a local server: downloadModel against a plain
 *    `fetch` that reads and discards the same 200 MiB, side by side.
 * 2. Peak memory while caching a 512 MiB file, for two chunk sizes, against
 *    `response.arrayBuffer()`: it must follow the chunk size, not the file.
 * 3. Reading a 200 MiB model from each cache against reading the raw bytes.
 *
 * The large files are generated on the fly by the test server (never on
 * disk, never committed). About 30 s on 2 cores.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CachedSource, downloadModel, IndexedDbCache, MemoryCache, type Hasher, type ModelCache, type ModelManifest } from '../../core/delivery';
import { NodeFsCache } from '../../core/delivery/node-fs-cache';
import { generatedFile, startFaultServer, type VirtualFile } from '../delivery/fault-server';
import { median } from './measure';

const MiB = 1024 * 1024;
const MODEL_MB = 200;
const LARGE_MB = 512;
const FILE = 'unet/model.onnx_data';

/** node:crypto as a Hasher: what a Node app would pass as `createHasher`. */
const nodeHasher = (): Hasher => {
  const h = createHash('sha256');
  return { update: (b) => h.update(b), hex: () => h.digest('hex') };
};

/** Runs the three delivery benchmarks and prints their tables. */
export async function benchDelivery(): Promise<void> {
  const server = await startFaultServer();
  const tmp = await mkdtemp(join(tmpdir(), 'stipple-bench-'));
  try {
    const model = generatedFile(MODEL_MB * MiB, 7);
    server.addFile(`/model/${FILE}`, model);
    server.addFile(`/large/${FILE}`, generatedFile(LARGE_MB * MiB, 11));
    const manifest = (id: string, dir: string, size: number, sha256?: string): ModelManifest => ({
      id,
      revision: 'bench',
      baseUrl: `${server.url}/${dir}/`,
      files: [{ path: FILE, size, ...(sha256 ? { sha256 } : {}) }],
    });
    // Each section in its own function: its buffers are garbage before the next one measures memory.
    await benchThroughput(server.url, tmp, model, manifest);
    await benchPeakMemory(server.url, tmp, manifest);
    await benchStall(server, manifest);
    // Last: fake-indexeddb keeps its databases for the life of the process.
    await benchCacheRead(tmp, model, manifest);
  } finally {
    await server.close();
    await rm(tmp, { recursive: true, force: true });
  }
}

type ManifestFor = (id: string, dir: string, size: number, sha256?: string) => ModelManifest;
const common = { storage: null, concurrency: 1 } as const;

/** 1. Download throughput against a plain fetch of the same bytes. */
async function benchThroughput(url: string, tmp: string, model: VirtualFile, manifest: ManifestFor): Promise<void> {
  const modelSha = sha256Of(model, model.size);
  let run = 0;
  // Rounds alternate so all variants see the same machine state. The "discard"
  // cache keeps records but drops chunk bytes: what remains is the downloader's
  // own cost (chunking, hashing, bookkeeping), not the storage's.
  const variants: [string, () => Promise<unknown>][] = [
    ['plain fetch (read, discard)', () => plainFetch(`${url}/model/${FILE}`)],
    ['downloader -> discard, size check', () => downloadModel(manifest(`m${run++}`, 'model', model.size), { ...common, cache: new DiscardCache() })],
    ['downloader -> discard, sha256 (JS Sha256)', () => downloadModel(manifest(`m${run++}`, 'model', model.size, modelSha), { ...common, cache: new DiscardCache() })],
    [
      'downloader -> discard, sha256 (node:crypto)',
      () => downloadModel(manifest(`m${run++}`, 'model', model.size, modelSha), { ...common, cache: new DiscardCache(), createHasher: nodeHasher }),
    ],
    [
      'downloader -> NodeFsCache, sha256 (node:crypto)',
      async () => {
        const dir = join(tmp, `fs${run++}`);
        await downloadModel(manifest('m', 'model', model.size, modelSha), { ...common, cache: new NodeFsCache(dir), createHasher: nodeHasher });
        await rm(dir, { recursive: true, force: true });
      },
    ],
  ];
  const times = new Map<string, number[]>(variants.map(([name]) => [name, []]));
  for (let round = 0; round < 3; round++) {
    for (const [name, fn] of variants) {
      const t = performance.now();
      await fn();
      times.get(name)!.push(performance.now() - t);
    }
  }
  const fetchMs = median(times.get(variants[0]![0])!);
  console.log(`Download throughput: ${MODEL_MB} MiB from 127.0.0.1, median of 3 (throughput ratio: plain fetch time / variant time)`);
  console.table(
    variants.map(([name]) => {
      const ms = median(times.get(name)!);
      return { variant: name, ms: ms.toFixed(0), 'MB/s': ((MODEL_MB * MiB) / 1e6 / (ms / 1000)).toFixed(0), 'throughput ratio': (fetchMs / ms).toFixed(2) };
    }),
  );
}

/** 2. Reading the 200 MB model back from each cache, against the raw bytes. */
async function benchCacheRead(tmp: string, model: VirtualFile, manifest: ManifestFor): Promise<void> {
  const rawFile = join(tmp, 'raw.bin');
  await writeFile(rawFile, model.read(0, model.size));
  const raw = new Uint8Array(await readFile(rawFile));
  const rows: Record<string, string>[] = [];
  const measure = async (name: string, baseline: string, readRaw: () => Promise<unknown>, cache: ModelCache) => {
    await downloadModel(manifest('r', 'model', model.size), { ...common, cache });
    const source = await CachedSource.open(cache, 'r');
    const rawMs: number[] = [];
    const cacheMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      let t = performance.now();
      await readRaw();
      rawMs.push(performance.now() - t);
      t = performance.now();
      await source.readBytes(FILE);
      cacheMs.push(performance.now() - t);
    }
    await cache.clear();
    const r = median(rawMs);
    const c = median(cacheMs);
    rows.push({ cache: name, baseline, 'raw ms': r.toFixed(0), 'cache ms': c.toFixed(0), 'cache / raw': (c / r).toFixed(2) });
  };
  await measure('NodeFsCache (32 MiB chunk files)', 'fs.readFile of the same bytes', () => readFile(rawFile), new NodeFsCache(join(tmp, 'read')));
  await measure('MemoryCache (32 MiB chunks)', 'copy of the raw bytes', async () => raw.slice(), new MemoryCache());
  await withFakeIndexedDb(() =>
    measure('IndexedDbCache on fake-indexeddb', 'copy of the raw bytes', async () => raw.slice(), new IndexedDbCache({ dbName: 'bench' })),
  );
  console.log(`\nReading the ${MODEL_MB} MiB model from the cache (median of 3)`);
  console.table(rows);
}

/** 3. Peak memory while caching 512 MB, for two chunk sizes, against `response.arrayBuffer()`. */
async function benchPeakMemory(url: string, tmp: string, manifest: ManifestFor): Promise<void> {
  const rows: Record<string, string>[] = [];
  for (const chunkMiB of [32, 8]) {
    const dir = join(tmp, `large${chunkMiB}`);
    const peak = await peakAboveBaseline(() =>
      downloadModel(manifest('large', 'large', LARGE_MB * MiB), {
        ...common,
        cache: new NodeFsCache(dir),
        chunkSize: chunkMiB * MiB,
        createHasher: nodeHasher,
        verify: 'sha256',
      }),
    );
    rows.push({ how: 'downloadModel -> NodeFsCache', chunk: `${chunkMiB} MiB`, 'peak arrayBuffers MB': peak.arrayBuffersMB.toFixed(0), 'peak rss MB': peak.rssMB.toFixed(0) });
    await rm(dir, { recursive: true, force: true });
  }
  // Last: rss does not shrink back after it.
  const naive = await peakAboveBaseline(async () => void (await (await fetch(`${url}/large/${FILE}`)).arrayBuffer()));
  rows.push({ how: 'response.arrayBuffer() (no cache)', chunk: '-', 'peak arrayBuffers MB': naive.arrayBuffersMB.toFixed(0), 'peak rss MB': naive.rssMB.toFixed(0) });
  console.log(`\nPeak memory above a post-GC baseline while caching a ${LARGE_MB} MiB file (sampled every 5 ms)`);
  console.table(rows);
}

/**
 * How long a server that stalls holds a download before it gives up. The unit
 * tests (test/delivery/faults.test.ts) count attempts instead of timing them.
 */
async function benchStall(server: Awaited<ReturnType<typeof startFaultServer>>, manifest: ManifestFor): Promise<void> {
  server.addFile(`/stall/${FILE}`, generatedFile(MiB, 3));
  server.fault(`/stall/${FILE}`, { stall: true, methods: ['GET', 'HEAD'] });
  const rows = [];
  for (const idleTimeoutMs of [100, 1000]) {
    const started = performance.now();
    const error = await downloadModel(manifest(`stall-${idleTimeoutMs}`, 'stall', MiB), {
      cache: new MemoryCache(),
      storage: null,
      retries: 0,
      idleTimeoutMs,
    }).catch((e: unknown) => e);
    rows.push({ idleTimeoutMs, 'gave up after ms': Math.round(performance.now() - started), error: (error as Error).name });
  }
  console.log('\nA stalled server: time until the download gives up (no retries)');
  console.table(rows);
}

/** Like measure.ts' peakMemory, but from a baseline taken after a full GC, so earlier garbage does not hide the peak. */
async function peakAboveBaseline(fn: () => Promise<unknown>): Promise<{ arrayBuffersMB: number; rssMB: number }> {
  // Let pending callbacks drop their references (fake-indexeddb settles on timers), then collect.
  await new Promise((r) => setTimeout(r, 200));
  collectGarbage();
  const start = process.memoryUsage();
  let ab = start.arrayBuffers;
  let rss = start.rss;
  const sample = (): void => {
    const m = process.memoryUsage();
    ab = Math.max(ab, m.arrayBuffers);
    rss = Math.max(rss, m.rss);
  };
  const timer = setInterval(sample, 5);
  try {
    await fn();
    sample();
  } finally {
    clearInterval(timer);
  }
  return { arrayBuffersMB: (ab - start.arrayBuffers) / 2 ** 20, rssMB: (rss - start.rss) / 2 ** 20 };
}

/** A full GC without `--expose-gc` on the command line (the bench runs as `node dist/bench.js`). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Keeps records, drops chunk bytes: isolates the downloader's own cost. */
class DiscardCache extends MemoryCache {
  override async putChunk(): Promise<void> {}
}

async function plainFetch(url: string): Promise<number> {
  const res = await fetch(url);
  const reader = res.body!.getReader();
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return n;
    n += value.length;
  }
}

function sha256Of(file: { read(start: number, end: number): Uint8Array }, size: number): string {
  const h = createHash('sha256');
  for (let pos = 0; pos < size; pos += 16 * MiB) h.update(file.read(pos, Math.min(size, pos + 16 * MiB)));
  return h.digest('hex');
}

/** Runs `fn` with fake-indexeddb as the global IndexedDB, then puts back whatever was there. */
async function withFakeIndexedDb(fn: () => Promise<void>): Promise<void> {
  const fake = await import('fake-indexeddb');
  const g = globalThis as Record<string, unknown>;
  const saved = { indexedDB: g['indexedDB'], IDBKeyRange: g['IDBKeyRange'] };
  g['indexedDB'] = fake.indexedDB;
  g['IDBKeyRange'] = fake.IDBKeyRange;
  try {
    await fn();
  } finally {
    g['indexedDB'] = saved.indexedDB;
    g['IDBKeyRange'] = saved.IDBKeyRange;
  }
}
