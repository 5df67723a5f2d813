// Builds everything that ships as JavaScript: the library entry points, the
// Node CLI and the benchmark runner. Plugin bundles join this list as their
// issues land.
import { build } from 'esbuild';

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
  build({ ...node, entryPoints: ['plugins/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } }),
  build({ ...node, entryPoints: ['test/bench/main.ts'], outfile: 'dist/bench.js' }),
]);
