// Builds everything that ships as JavaScript: the library entry points, the
// demo app, the Photopea and Figma plugins, the Node CLI and the benchmark runner.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';
import { buildDemo } from './plugins/canvas/build.mjs';
import { buildFigmaPlugin } from './plugins/figma/build.mjs';
import { buildPhotopeaPlugin } from './plugins/photopea/build.mjs';

const node = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  // Runtime dependencies stay external: onnxruntime-web finds its .wasm files
  // next to its own module, which bundling would break.
  external: ['onnxruntime-web', 'onnxruntime-node', 'pngjs'],
  logLevel: 'warning',
};

// The library entry points behind package.json's exports map, built together
// with code splitting so core lands in ONE shared chunk: an error thrown from
// stipple/adapters/canvas is `instanceof StippleError` from `stipple`. Neutral
// platform: the same files run in Node and browsers (Node built-ins stay imports).
const library = { ...node, platform: 'neutral', mainFields: ['module', 'main'] };
const LIBRARY_ENTRIES = {
  core: 'core/index.ts',
  node: 'core/node.ts',
  'adapters/canvas': 'adapters/canvas/index.ts',
  'adapters/photopea': 'adapters/photopea/index.ts',
  'adapters/figma': 'adapters/figma/index.ts',
};

// Chunk names carry content hashes: clear old ones so the package ships only what the entries import.
rmSync('dist/chunks', { recursive: true, force: true });

await Promise.all([
  build({
    ...library,
    entryPoints: LIBRARY_ENTRIES,
    outdir: 'dist',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    target: 'es2022',
    external: [...node.external, 'node:*'],
    // Shipped in the package without maps (they would double its size).
    sourcemap: false,
  }),
  buildDemo({ outdir: 'dist/demo' }),
  buildPhotopeaPlugin({ outdir: 'dist/photopea' }),
  // Figma plugin folder (dist/figma-plugin) + its panel page (dist/figma-panel); panel URL from STIPPLE_PANEL_URL.
  buildFigmaPlugin(),
  build({ ...node, entryPoints: ['plugins/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } }),
  // The engine's Web Worker entry: bundles ORT (its .wasm files are found through `wasmPaths`).
  build({ ...library, platform: 'browser', external: [], entryPoints: ['core/jobs/worker.ts'], outfile: 'dist/worker.js' }),
  // The browser benchmark drives Chromium from Node: its tooling stays external.
  build({ ...node, external: [...node.external, 'esbuild', 'playwright-core'], entryPoints: ['test/bench/main.ts'], outfile: 'dist/bench.js' }),
]);
