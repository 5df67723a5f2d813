// Serves the built Figma panel (dist/figma-panel) for development, with
// onnxruntime-web's files under /ort/ and the tiny fixture models under
// /models/tiny-sd/ (the canvas demo's server, pointed at the panel), on
// http://localhost:5174 (the manifest's devAllowedDomains). PORT overrides.
//   npm run build && node plugins/figma/serve.mjs
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDemoServer } from '../canvas/serve.mjs';
import { DEV_PANEL_PORT } from './manifest.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Starts the panel's dev server; resolves to its URL and a close function. */
export function startPanelServer(options = {}) {
  return startDemoServer({ port: options.port ?? DEV_PANEL_PORT, host: options.host ?? '127.0.0.1', demoDir: options.panelDir ?? join(root, 'dist/figma-panel') });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const panelDir = resolve(root, process.argv[2] ?? 'dist/figma-panel');
  if (!existsSync(join(panelDir, 'index.html'))) {
    console.error(`No built panel in ${panelDir}: run \`npm run build\` first.`);
    process.exit(1);
  }
  const port = process.env.PORT ? Number(process.env.PORT) : DEV_PANEL_PORT;
  const { port: p } = await startPanelServer({ port, panelDir });
  console.log(`Stipple's Figma panel: http://localhost:${p}/`);
  console.log('In Figma: Plugins > Development > Import plugin from manifest… > dist/figma-plugin/manifest.json');
}
