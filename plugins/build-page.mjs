// One esbuild recipe for every browser page Stipple ships (the demo, the
// Photopea plugin page, the Figma panel): ESM, Preact JSX, sourcemaps.
import { build } from 'esbuild';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Bundles a page's entry module.
 * @param {{ entry: string, outfile: string, minify?: boolean, external?: string[] }} options
 */
export function buildPage({ entry, outfile, minify = false, external = [] }) {
  return build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    minify,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: resolve(root, 'tsconfig.json'),
    external,
    logLevel: 'warning',
  });
}

/**
 * Bundles the engine's module Worker (core/jobs/worker.ts) for a page that
 * runs its model off the UI thread. Import maps do not reach workers, so it
 * bundles onnxruntime-web (the root build: WebGPU and WASM); ORT finds its
 * .wasm/.mjs files where the page's `wasmPaths` says (`ort/` next to the page).
 * @param {{ outfile: string, minify?: boolean }} options
 */
export function buildEngineWorker({ outfile, minify = false }) {
  return buildPage({ entry: resolve(root, 'core/jobs/worker.ts'), outfile, minify });
}
