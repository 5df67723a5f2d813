/**
 * The built plugin folder, as Figma's "Import plugin from manifest" reads it:
 * the manifest (required fields, dynamic-page, networkAccess with exactly the
 * panel origin and the model hosts, a reasoning, the dev server), the ui.html
 * bootstrap to the panel URL, and code.js itself running in a bare sandbox
 * (a vm context with only `figma` and `__html__`) against the fake Figma.
 */
import { readFile, rm } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import presets from '../../models/presets.json';
import { PanelBridge } from '../../adapters/figma/panel-bridge';
import { bootstrapHtml, buildFigmaPlugin, type FigmaManifest } from '../../plugins/figma/build.mjs';
import { createManifest, DEV_PANEL_ORIGIN, modelHosts } from '../../plugins/figma/manifest.mjs';
import { FakeFigma, gradient } from './fake-figma';
import { until } from './harness';

const PANEL_URL = 'https://stipple.example/figma/?model=sd2-inpaint';

/** Every origin the presets download from, worked out here independently of the build. */
function presetOrigins(): string[] {
  const urls = (presets.presets as { baseUrl?: string; files?: { url?: string }[] }[]).flatMap((p) => [p.baseUrl, ...(p.files ?? []).map((f) => f.url)]);
  return [...new Set(urls.filter((u): u is string => typeof u === 'string' && u.startsWith('https://')).map((u) => new URL(u).origin))].sort();
}

describe('the plugin folder', () => {
  let dir: string;
  let manifest: FigmaManifest;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stipple-figma-'));
    await buildFigmaPlugin({ outdir: dir, panelOutdir: null, panelUrl: PANEL_URL });
    manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as FigmaManifest;
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('has a valid manifest', async () => {
    expect(manifest).toMatchObject({ name: 'Stipple', api: '1.0.0', main: 'code.js', ui: 'ui.html', editorType: ['figma'], documentAccess: 'dynamic-page' });
    expect(typeof manifest.id).toBe('string');
    expect(manifest.id.length).toBeGreaterThan(0);
    await expect(readFile(join(dir, manifest.main), 'utf8')).resolves.toContain('startStipple');
    await expect(readFile(join(dir, manifest.ui), 'utf8')).resolves.toContain('location.href');
    expect(Object.keys(manifest).sort()).toEqual(['api', 'documentAccess', 'editorType', 'id', 'main', 'name', 'networkAccess', 'ui']);
  });

  it('lists exactly the panel origin and the model hosts, with a reasoning', () => {
    const net = manifest.networkAccess;
    expect(presetOrigins()).toEqual(['https://huggingface.co']);
    expect(net.allowedDomains).toEqual(['https://stipple.example', ...presetOrigins(), '*.hf.co', '*.huggingface.co']);
    expect(new Set(net.allowedDomains).size).toBe(net.allowedDomains.length);
    for (const d of net.allowedDomains) expect(d).toMatch(/^(https:\/\/[a-z0-9.-]+|\*\.[a-z0-9.-]+)$/);
    expect(net.reasoning.length).toBeGreaterThan(80);
    expect(net.reasoning).toContain('https://stipple.example');
    expect(net.reasoning).toMatch(/Hugging Face/);
    expect(net.reasoning).not.toMatch(/\$[A-Z_]+/);
  });

  it('lets the local dev server in during development only, by name (Figma refuses IP literals)', () => {
    expect(manifest.networkAccess.devAllowedDomains).toEqual([DEV_PANEL_ORIGIN]);
    const dev = createManifest({ panelUrl: 'http://localhost:5174/?model=tiny-sd-inpaint' });
    expect(dev.networkAccess.allowedDomains).toEqual(modelHosts());
    expect(dev.networkAccess.devAllowedDomains).toEqual(['http://localhost:5174']);
    expect(() => createManifest({ panelUrl: 'http://stipple.example/' })).toThrow(/https/);
    expect(() => createManifest({ panelUrl: 'not a url' })).toThrow(/not a URL/);
  });

  it('ui.html sends Figma’s null-origin iframe to the panel', async () => {
    const html = await readFile(join(dir, 'ui.html'), 'utf8');
    expect(html).toContain(`window.location.href = ${JSON.stringify(PANEL_URL)};`);
    const hostile = bootstrapHtml('https://x.example/</script><script>alert(1)</script>');
    expect(hostile).not.toContain('</script><script>alert(1)');
  });

  it('code.js runs in a bare sandbox against the fake Figma', async () => {
    const code = await readFile(join(dir, 'code.js'), 'utf8');
    expect(code).not.toMatch(/^\s*(import|export)\s/m);
    expect(code).not.toMatch(/\b(document|window|self|localStorage|indexedDB)\s*[.[]/);
    const figma = new FakeFigma();
    const photo = figma.addImageRect({ name: 'Photo', x: 0, y: 0, width: 8, height: 8, pixels: gradient(8, 8) });
    figma.select(photo);
    const html = await readFile(join(dir, 'ui.html'), 'utf8');
    vm.runInNewContext(code, { figma, __html__: html, console });
    expect(figma.shownHtml).toBe(html);
    const bridge = new PanelBridge({ window: figma.panelWindow('https://stipple.example'), timeoutMs: 5000 });
    bridge.ready();
    await until(() => bridge.selection !== null);
    expect(bridge.selection).toMatchObject({ ok: true, source: { name: 'Photo' } });
    const payload = await bridge.readSelection({ scale: 1 });
    expect(payload.source.width).toBe(8);
    // The same message from any other origin is refused.
    figma.ui.fromUi({ channel: 'stipple/figma@1', type: 'ready', payload: { version: 1 } }, 'https://stipple.example.evil.test');
    await until(() => figma.notifications.length > 0);
    expect(figma.notifications[0]!.message).toMatch(/unknown page/);
    bridge.dispose();
  });
});
