// The Figma plugin's manifest.json, made from the template next to this file
// (plugins/figma/manifest.json) and the panel URL, which is a build setting.
// networkAccess lists exactly the panel's origin and the hosts the model
// presets (models/presets.json) download from.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

/** The local dev server for the panel (`node plugins/figma/serve.mjs`). Figma wants `localhost`, not an IP. */
export const DEV_PANEL_PORT = 5174;
export const DEV_PANEL_ORIGIN = `http://localhost:${DEV_PANEL_PORT}`;
/** Default panel URL: the dev server, opening the tiny fixture inpainting model. */
export const DEV_PANEL_URL = `${DEV_PANEL_ORIGIN}/?model=tiny-sd-inpaint`;

/**
 * Hugging Face answers `huggingface.co/<repo>/resolve/...` with a redirect to
 * its storage and CDN hosts (cdn-lfs*.hf.co, *.xethub.hf.co, legacy
 * cdn-lfs*.huggingface.co), whose names change over time: wildcards.
 */
export const HF_STORAGE_HOSTS = ['*.hf.co', '*.huggingface.co'];

/** True for a panel served from this computer (allowed in development only). */
export function isLocalOrigin(origin) {
  const { hostname } = new URL(origin);
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

/** Checks a panel URL and returns its origin. */
export function panelOrigin(panelUrl) {
  let url;
  try {
    url = new URL(panelUrl);
  } catch {
    throw new Error(`The panel URL "${panelUrl}" is not a URL.`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLocalOrigin(url.origin))) {
    throw new Error(`The panel URL must be https:// (or http://localhost for development); got ${panelUrl}.`);
  }
  return url.origin;
}

/** The origins every model preset downloads from (absolute `baseUrl`s and file `url`s), plus Hugging Face's storage hosts. */
export function modelHosts(presets = JSON.parse(readFileSync(resolve(root, 'models/presets.json'), 'utf8')).presets) {
  const origins = new Set();
  for (const p of presets) {
    for (const u of [p.baseUrl, ...(p.files ?? []).map((f) => f.url)]) {
      if (typeof u === 'string' && /^https?:\/\//i.test(u)) origins.add(new URL(u).origin);
    }
  }
  const hosts = [...origins].sort();
  if (hosts.some((o) => o === 'https://huggingface.co')) hosts.push(...HF_STORAGE_HOSTS);
  return hosts;
}

/**
 * The manifest for a build.
 * @param {{ panelUrl: string, id?: string, devOrigin?: string }} options
 */
export function createManifest(options) {
  const origin = panelOrigin(options.panelUrl);
  const template = JSON.parse(readFileSync(resolve(here, 'manifest.json'), 'utf8'));
  const local = isLocalOrigin(origin);
  const devOrigins = [...new Set([...(local ? [origin] : []), options.devOrigin ?? DEV_PANEL_ORIGIN])];
  const hosts = modelHosts();
  const expand = (list) =>
    list.flatMap((d) => (d === '$PANEL_ORIGIN' ? (local ? [] : [origin]) : d === '$MODEL_HOSTS' ? hosts : d === '$DEV_ORIGIN' ? devOrigins : [d]));
  const net = template.networkAccess;
  return {
    ...template,
    id: options.id ?? template.id,
    networkAccess: {
      allowedDomains: expand(net.allowedDomains),
      reasoning: net.reasoning.replaceAll('$PANEL_ORIGIN', origin),
      devAllowedDomains: expand(net.devAllowedDomains),
    },
  };
}
