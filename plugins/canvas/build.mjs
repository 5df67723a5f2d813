// Builds the demo page: plugins/canvas/main.tsx -> <outdir>/main.js, the
// engine's Web Worker core/jobs/worker.ts -> <outdir>/worker.js, and
// index.html next to them. Used by esbuild.config.mjs (outdir dist/demo) and by
// the browser tests (a temporary folder).
import { buildEngineWorker, buildPage } from '../build-page.mjs';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

/**
 * @param {{ outdir?: string, minify?: boolean }} [options]
 * @returns {Promise<string>} the absolute output folder
 */
export async function buildDemo(options = {}) {
  const outdir = resolve(root, options.outdir ?? 'dist/demo');
  await mkdir(outdir, { recursive: true });
  await Promise.all([
    buildPage({
      entry: join(here, 'main.tsx'),
      outfile: join(outdir, 'main.js'),
      minify: options.minify,
      // onnxruntime-web stays a module of its own, loaded from /ort/ through the page's import
      // map (see index.html and serve.mjs): its proxy worker is started from its own URL.
      external: ['onnxruntime-web'],
    }),
    // The engine's module Worker; ORT finds its .wasm/.mjs files under /ort/ (`wasmPaths`).
    buildEngineWorker({ outfile: join(outdir, 'worker.js'), minify: options.minify }),
    copyFile(join(here, 'index.html'), join(outdir, 'index.html')),
  ]);
  return outdir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = await buildDemo({ outdir: process.argv[2] });
  console.log(`Built the demo into ${out}`);
}
