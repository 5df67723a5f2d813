/**
 * NodeRepoCache: the CLI's model cache, each model a plain repo folder that
 * other tools can read, with the same download, resume and damage handling
 * as the chunk caches.
 */
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CachedSource, discoverManifest, downloadModel } from '../../core/delivery';
import { NodeRepoCache, RepoCachedSource } from '../../core/delivery/node-repo-cache';
import { createEditor } from '../../core/editor';
import { caseImage, caseNoise, caseOutput, loadCase, maxAbsDiff } from '../pipelines/golden';
import { loadModelRepo } from '../../core/models';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import type { FaultServer } from './fault-server';
import { expectConsistent, fast, fixtureBytes, startFixtureServer, tinyManifest } from './helpers';

const CHUNK = 2 * 1024 * 1024;
let server: FaultServer;
let tmp: string;
let n = 0;
beforeAll(async () => {
  server = await startFixtureServer();
  tmp = await mkdtemp(join(tmpdir(), 'stipple-repo-cache-'));
});
afterAll(async () => {
  await server.close();
  await rm(tmp, { recursive: true, force: true });
});
/** Byte equality without vitest's element-by-element deep equal (minutes on a 6 MB buffer). */
const sameAsFixture = async (file: string, path: string): Promise<boolean> => (await readFile(file)).equals(await fixtureBytes('sd', path));
const fresh = (): NodeRepoCache => new NodeRepoCache(join(tmp, `c${++n}`), CHUNK);

describe('NodeRepoCache', () => {
  it('keeps a downloaded model as the repo itself: byte-equal files a folder source loads', async () => {
    const cache = fresh();
    const m = tinyManifest(server);
    await downloadModel(m, fast(cache, { chunkSize: CHUNK }));
    expect(await expectConsistent(cache, m.id)).toHaveLength(15);
    for (const f of m.files) expect(await sameAsFixture(join(cache.repoDir(m.id), f.path), f.path), f.path).toBe(true);
    expect((await loadModelRepo(new NodeFolderSource(cache.repoDir(m.id)))).kind).toBe('plain');
    const viaCache = await loadModelRepo(await CachedSource.open(cache, m.id));
    const unet = (await viaCache.components.unet.load()).model;
    expect(Buffer.from(unet.buffer, unet.byteOffset, unet.byteLength).equals(await fixtureBytes('sd', 'unet/model.onnx'))).toBe(true);
  });

  it('resumes a cut file after the chunks it kept, and the file ends byte-equal', async () => {
    const cache = fresh();
    const m = tinyManifest(server, ['unet/model.onnx'], 'cut');
    const size = m.files[0]!.size!;
    expect(size).toBeGreaterThan(2 * CHUNK);
    server.fault('/models/tiny-sd/sd/unet/model.onnx', [{ dropAfter: CHUNK * 2 + 1000 }]);
    await expect(downloadModel(m, fast(cache, { chunkSize: CHUNK, retries: 0 }))).rejects.toMatchObject({ code: 'DOWNLOAD', resumable: true });
    expect((await cache.getRecord('cut'))!.files['unet/model.onnx']).toMatchObject({ state: 'partial', chunks: 2 });
    await expectConsistent(cache, 'cut');
    server.resetStats();
    await downloadModel(m, fast(cache, { chunkSize: CHUNK }));
    expect(server.requests.filter((r) => r.method === 'GET').map((r) => r.range)).toEqual([`bytes=${2 * CHUNK}-`]);
    expect(await sameAsFixture(join(cache.repoDir('cut'), 'unet/model.onnx'), 'unet/model.onnx')).toBe(true);
  });

  it('a truncated file is caught on read, marked for download, and repaired', async () => {
    const cache = fresh();
    const m = tinyManifest(server, ['unet/model.onnx'], 'trunc');
    await downloadModel(m, fast(cache, { chunkSize: CHUNK }));
    const source = await CachedSource.open(cache, 'trunc');
    const file = join(cache.repoDir('trunc'), 'unet/model.onnx');
    await truncate(file, m.files[0]!.size! - 10);
    await expect(source.readBytes('unet/model.onnx')).rejects.toThrow(/chunk \d+ has \d+ bytes instead of \d+/);
    await downloadModel(m, fast(cache, { chunkSize: CHUNK }));
    expect(await sameAsFixture(file, 'unet/model.onnx')).toBe(true);
  });

  it('writing a chunk drops stale bytes after it; deleting chunks cuts the file; paths stay inside the repo', async () => {
    const cache = new NodeRepoCache(join(tmp, `c${++n}`), 4);
    await cache.putChunk('m', 'a/b.bin', 0, new Uint8Array([1, 2, 3, 4]));
    await cache.putChunk('m', 'a/b.bin', 1, new Uint8Array([5, 6, 7, 8]));
    await cache.putChunk('m', 'a/b.bin', 2, new Uint8Array([9]));
    expect(await cache.listChunks('m')).toHaveLength(3);
    expect(await cache.getChunk('m', 'a/b.bin', 2)).toEqual(new Uint8Array([9]));
    await cache.putChunk('m', 'a/b.bin', 0, new Uint8Array([7, 7])); // a restart from byte 0
    expect(await readFile(join(cache.repoDir('m'), 'a/b.bin'))).toEqual(Buffer.from([7, 7]));
    await cache.putChunk('m', 'a/b.bin', 0, new Uint8Array([1, 2, 3, 4]));
    await cache.putChunk('m', 'a/b.bin', 1, new Uint8Array([5, 6]));
    await cache.deleteChunks([{ model: 'm', path: 'a/b.bin', index: 1 }]);
    expect(await cache.listChunks('m')).toEqual([{ model: 'm', path: 'a/b.bin', index: 0 }]);
    await cache.deleteChunks([{ model: 'm', path: 'a/b.bin', index: 0 }]);
    expect(await cache.listChunks('m')).toEqual([]);
    await expect(cache.putChunk('m', '../escape', 0, new Uint8Array([1]))).rejects.toThrow(/not a path inside a model repo/);
    await expect(cache.putChunk('m', 'x', 0, new Uint8Array(5))).rejects.toThrow(/does not fit this cache's chunk size/);
    await writeFile(join(tmp, 'untouched'), 'x');
    expect(await readFile(join(tmp, 'untouched'), 'utf8')).toBe('x');
  });

  it('hands external data to ONNX Runtime as the file on disk, and the edit matches diffusers', async () => {
    const cache = fresh();
    const m = await discoverManifest(`${server.url}/variants/external-data/sd/`);
    await downloadModel(m, fast(cache, { chunkSize: CHUNK }));
    const source = new RepoCachedSource(cache, (await cache.getRecord(m.id))!);
    // Every external-data file counts as large here, so each goes by path.
    const repo = await loadModelRepo(source, { largeFileBytes: 1 });
    const unet = await repo.components.unet.load();
    expect(unet.externalData!.map((d) => d.data)).toEqual(repo.components.unet.externalDataPaths.map((p) => cache.filePath(m.id, p)));
    unet.release?.();
    const editor = await createEditor({ model: repo });
    try {
      const c = loadCase('sdedit_img2img', 'sdedit');
      const p = c.json.params;
      const result = await editor.edit('sdedit', {
        image: caseImage(c), prompt: c.json.prompt, negativePrompt: c.json.negative_prompt, steps: p.num_inference_steps,
        strength: p.strength, guidance: p.guidance_scale, scheduler: 'ddim', noise: await caseNoise(c),
      });
      expect(maxAbsDiff(result.raw, caseOutput(c))).toBeLessThan(2e-3);
    } finally {
      await editor.dispose();
    }
  });
});
