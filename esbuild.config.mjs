// Builds everything that ships as JavaScript. Plugin bundles join this list
// as their issues land; today: the Node CLI and the benchmark runner.
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

await Promise.all([
  build({ ...node, entryPoints: ['plugins/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } }),
  build({ ...node, entryPoints: ['test/bench/main.ts'], outfile: 'dist/bench.js' }),
]);
