// Builds everything that ships as JavaScript: the library entry points, the
// demo app, the Photopea and Figma plugins, the Node CLI and the benchmark runner.
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

// The library entry points behind package.json's exports map.
const library = { ...node, platform: 'neutral', mainFields: ['module', 'main'] };

await Promise.all([
  build({ ...library, entryPoints: ['core/index.ts'], outfile: 'dist/core.js' }),
  build({ ...node, entryPoints: ['core/node.ts'], outfile: 'dist/node.js' }),
  build({ ...library, entryPoints: ['adapters/canvas/index.ts'], outfile: 'dist/adapters/canvas.js' }),
  build({ ...library, entryPoints: ['adapters/photopea/index.ts'], outfile: 'dist/adapters/photopea.js' }),
  buildDemo({ outdir: 'dist/demo' }),
  buildPhotopeaPlugin({ outdir: 'dist/photopea' }),
  build({ ...library, entryPoints: ['adapters/figma/index.ts'], outfile: 'dist/adapters/figma.js' }),
  // Figma plugin folder (dist/figma-plugin) + its panel page (dist/figma-panel); panel URL from STIPPLE_PANEL_URL.
  buildFigmaPlugin(),
  build({ ...node, entryPoints: ['plugins/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } }),
  // The engine's Web Worker entry: bundles ORT (its .wasm files are found through `wasmPaths`).
  build({ ...library, platform: 'browser', external: [], entryPoints: ['core/jobs/worker.ts'], outfile: 'dist/worker.js' }),
  // The browser benchmark drives Chromium from Node: its tooling stays external.
  build({ ...node, external: [...node.external, 'esbuild', 'playwright-core'], entryPoints: ['test/bench/main.ts'], outfile: 'dist/bench.js' }),
]);
