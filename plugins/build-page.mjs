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
