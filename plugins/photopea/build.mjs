// Builds the Photopea plugin page: plugins/photopea/main.tsx -> <outdir>/main.js,
// with index.html, icon.svg and plugin.json next to it. plugin.json's url and
// icon point at `url` (default http://localhost:5173/, where
// `node plugins/canvas/serve.mjs dist/photopea` serves it with ORT's .wasm
// files under ort/ and the tiny fixture models under models/tiny-sd/).
// `node plugins/photopea/build.mjs [outdir] [url]`.
import { buildEngineWorker, buildPage } from '../build-page.mjs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

/**
 * @param {{ outdir?: string, minify?: boolean, url?: string }} [options]
 * @returns {Promise<string>} the absolute output folder
 */
export async function buildPhotopeaPlugin(options = {}) {
  const outdir = resolve(root, options.outdir ?? 'dist/photopea');
  const url = new URL(options.url ?? 'http://localhost:5173/').href;
  await mkdir(outdir, { recursive: true });
  const manifest = JSON.parse(await readFile(join(here, 'plugin.json'), 'utf8'));
  manifest.url = url;
  manifest.icon = new URL('icon.svg', url).href;
  await Promise.all([
    buildPage({ entry: join(here, 'main.tsx'), outfile: join(outdir, 'main.js'), minify: options.minify }),
    // The model runs in this Worker (bundling onnxruntime-web); its .wasm files are served from ort/ next to the page.
    buildEngineWorker({ outfile: join(outdir, 'worker.js'), minify: options.minify }),
    copyFile(join(here, 'index.html'), join(outdir, 'index.html')),
    copyFile(join(here, 'icon.svg'), join(outdir, 'icon.svg')),
    writeFile(join(outdir, 'plugin.json'), `${JSON.stringify(manifest, null, 2)}\n`),
  ]);
  return outdir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = await buildPhotopeaPlugin({ outdir: process.argv[2], url: process.argv[3] });
  console.log(`Built the Photopea plugin into ${out}`);
}
