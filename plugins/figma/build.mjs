// Builds the Figma plugin:
//   <outdir>/        manifest.json, code.js (main code), ui.html (bootstrap to the panel)
//                    -> Figma: Plugins > Development > Import plugin from manifest
//   <panelOutdir>/   the panel page (index.html, main.js, worker.js[, ort/]) to host at the panel URL
// The panel URL is a build setting: --panel-url URL, or STIPPLE_PANEL_URL, or
// the local dev server (node plugins/figma/serve.mjs).
//
//   node plugins/figma/build.mjs [--panel-url URL] [--outdir DIR] [--panel-outdir DIR] [--copy-ort] [--minify]
import { build } from 'esbuild';
import { buildEngineWorker, buildPage } from '../build-page.mjs';
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createManifest, DEV_PANEL_URL, panelOrigin } from './manifest.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

/** The plugin's ui.html: Figma's iframe has a null origin, so it goes straight to the panel's own origin. */
export function bootstrapHtml(panelUrl) {
  panelOrigin(panelUrl);
  // JSON string literal, with `<` escaped so the URL cannot close the script.
  const url = JSON.stringify(panelUrl).replace(/</g, '\\u003c');
  const shown = panelUrl.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Stipple</title></head>
<body style="font: 12px/1.5 system-ui, sans-serif; margin: 12px">
<p>Opening Stipple from <code>${shown}</code>…</p>
<script>
  // Figma's plugin iframe has the origin "null" (no IndexedDB, requests from
  // "null"): Stipple's panel runs on its own origin and talks to the plugin
  // through parent.postMessage.
  window.location.href = ${url};
</script>
</body>
</html>
`;
}

/**
 * @param {{ outdir?: string, panelOutdir?: string | null, panelUrl?: string, id?: string, minify?: boolean, copyOrt?: boolean }} [options]
 */
export async function buildFigmaPlugin(options = {}) {
  const panelUrl = options.panelUrl ?? process.env.STIPPLE_PANEL_URL ?? DEV_PANEL_URL;
  const origin = panelOrigin(panelUrl);
  const outdir = resolve(root, options.outdir ?? 'dist/figma-plugin');
  const panelOutdir = options.panelOutdir === null ? null : resolve(root, options.panelOutdir ?? 'dist/figma-panel');
  const manifest = createManifest({ panelUrl, ...(options.id !== undefined && { id: options.id }) });
  await mkdir(outdir, { recursive: true });
  const jobs = [
    build({
      entryPoints: [join(here, 'code.ts')],
      outfile: join(outdir, 'code.js'),
      bundle: true,
      // Figma's sandbox runs one classic script: no modules, no DOM.
      format: 'iife',
      platform: 'neutral',
      target: 'es2020',
      minify: options.minify ?? false,
      define: { STIPPLE_PANEL_ORIGIN: JSON.stringify(origin) },
      tsconfig: join(root, 'tsconfig.json'),
      logLevel: 'warning',
    }),
    writeFile(join(outdir, 'ui.html'), bootstrapHtml(panelUrl)),
    writeFile(join(outdir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`),
  ];
  if (panelOutdir) {
    await mkdir(panelOutdir, { recursive: true });
    jobs.push(
      buildPage({ entry: join(here, 'panel/main.tsx'), outfile: join(panelOutdir, 'main.js'), minify: options.minify }),
      // The panel runs its model in this Worker, served from the panel's own origin.
      buildEngineWorker({ outfile: join(panelOutdir, 'worker.js'), minify: options.minify }),
      copyFile(join(here, 'panel/index.html'), join(panelOutdir, 'index.html')),
    );
    if (options.copyOrt) jobs.push(copyOrt(join(panelOutdir, 'ort')));
  }
  await Promise.all(jobs);
  return { outdir, panelOutdir, panelUrl, panelOrigin: origin, manifest };
}

/** Copies onnxruntime-web's .wasm/.mjs runtime files next to the panel, for hosting it anywhere. */
async function copyOrt(dest) {
  const dist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
  await mkdir(dest, { recursive: true });
  const files = (await readdir(dist)).filter((f) => /^ort-wasm.*\.(wasm|mjs)$/.test(f));
  await Promise.all(files.map((f) => copyFile(join(dist, f), join(dest, f))));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const value = (flag) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const out = await buildFigmaPlugin({
    panelUrl: value('--panel-url'),
    outdir: value('--outdir'),
    panelOutdir: value('--panel-outdir'),
    copyOrt: args.includes('--copy-ort'),
    minify: args.includes('--minify'),
  });
  console.log(`Built the Figma plugin into ${out.outdir} (panel: ${out.panelUrl})`);
  if (out.panelOutdir) console.log(`Built the panel into ${out.panelOutdir}: host it at ${out.panelOrigin}`);
}
