/** Shared set-up of the delivery tests: the fault server over the fixtures, fast retry options, cache invariants. */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { DownloadOptions, ModelCache, ModelManifest } from '../../core/delivery';
import { presetManifest } from '../../core/delivery';
import { startFaultServer, type FaultServer } from './fault-server';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

/** Serves the fixture repos as the project would: `/models/tiny-sd/<model>/` and `/variants/<variant>/`. */
export function startFixtureServer(): Promise<FaultServer> {
  return startFaultServer({
    '/models/tiny-sd/': join(FIXTURES, 'tiny-sd'),
    '/variants/': join(FIXTURES, 'variants'),
  });
}

/** The tiny-sd preset served by `server`, optionally cut down to some files (to keep a test fast) and renamed. */
export function tinyManifest(server: FaultServer, paths?: readonly string[], id?: string): ModelManifest {
  const m = presetManifest('tiny-sd', `${server.url}/`);
  return {
    ...m,
    id: id ?? m.id,
    files: paths === undefined ? m.files : m.files.filter((f) => paths.includes(f.path)),
  };
}

/** Retries without waiting, no quota check: options for tests that are not about those. */
export function fast(cache: ModelCache, extra: Partial<DownloadOptions> = {}): DownloadOptions {
  return { cache, sleep: async () => undefined, storage: null, retries: 3, ...extra };
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export async function fixtureBytes(model: string, path: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(join(FIXTURES, 'tiny-sd', model, path)));
}

/**
 * The cache invariant after any failure: every stored chunk is covered by
 * the record (no orphans), and no file the record calls complete lacks a
 * chunk. Returns the paths the record calls complete.
 */
export async function expectConsistent(cache: ModelCache, id: string): Promise<string[]> {
  const record = await cache.getRecord(id);
  const chunks = await cache.listChunks(id);
  const files = record?.files ?? {};
  for (const c of chunks) {
    const entry = files[c.path];
    expect(entry, `orphan chunk ${c.path}#${c.index}`).toBeDefined();
    expect(c.index, `stray chunk ${c.path}#${c.index}`).toBeLessThan(entry!.chunks);
  }
  const complete: string[] = [];
  for (const [path, entry] of Object.entries(files)) {
    for (let i = 0; i < entry.chunks; i++) {
      expect(chunks.some((c) => c.path === path && c.index === i), `${path}#${i} missing`).toBe(true);
    }
    if (entry.state === 'complete') complete.push(path);
  }
  return complete.sort();
}
