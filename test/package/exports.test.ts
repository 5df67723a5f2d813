/** The built entry points behind package.json's exports map work as a consumer imports them. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');

it('every exports entry resolves to a built module, and the bin is declared', async () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  expect(pkg.name).toBe('stipple');
  expect(pkg.type).toBe('module');
  expect(pkg.bin.stipple).toBe('dist/cli.js');
  for (const [key, target] of Object.entries(pkg.exports as Record<string, { default: string; types: string }>)) {
    if (key === './worker') {
      // A Worker entry serves messages on `self` as soon as it loads: it only runs inside a Worker
      // (test/worker covers that). Here: it is built and bundles its own ORT.
      expect(readFileSync(join(ROOT, target.default), 'utf8')).toMatch(/serveWorkerEngine/);
      continue;
    }
    const mod = await import(pathToFileURL(join(ROOT, target.default)).href);
    expect(Object.keys(mod).length, key).toBeGreaterThan(0);
  }
  const core = await import(pathToFileURL(join(ROOT, 'dist/core.js')).href);
  const node = await import(pathToFileURL(join(ROOT, 'dist/node.js')).href);
  const repo = await core.loadModelRepo(new node.NodeFolderSource(join(ROOT, 'test/fixtures/tiny-sd/sd')));
  expect(repo.kind).toBe('plain');
  expect(repo.tokenizer.encode('a photo of a cat').inputIds.slice(0, 7)).toEqual([49406, 320, 1125, 539, 320, 2368, 49407]);
});

it('the main entry exports the API, not internals such as the PRNG or the session queue', async () => {
  const core = await import(pathToFileURL(join(ROOT, 'dist/core.js')).href);
  for (const name of ['createEditor', 'SeededNoise', 'ReplayNoise', 'ClipTokenizer', 'StippleError', 'loadDefaultOrt']) {
    expect(core[name], name).toBeDefined();
  }
  for (const name of ['splitMix64', 'Xoshiro128StarStar', 'detLog', 'normalQuantile', 'concatBatch', 'runExclusive']) {
    expect(core[name], name).toBeUndefined();
  }
});
