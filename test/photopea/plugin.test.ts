/**
 * What Photopea's "Add plugin" reads: plugin.json with name, url and icon,
 * and the build that points them at where the plugin is served.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPhotopeaPlugin } from '../../plugins/photopea/build.mjs';
import { tempDir } from './browser';

const DIR = new URL('../../plugins/photopea/', import.meta.url).pathname;

describe('the Photopea plugin files', () => {
  it('plugin.json has a name, a URL and an icon', async () => {
    const json = JSON.parse(await readFile(join(DIR, 'plugin.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual(['icon', 'name', 'url']);
    expect(json['name']).toBe('Stipple');
    expect(new URL(String(json['url'])).pathname).toBe('/');
    expect(String(json['icon'])).toMatch(/\/icon\.svg$/);
    expect(await readFile(join(DIR, 'icon.svg'), 'utf8')).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  });

  it('the build writes the page, the icon and plugin.json pointing at the given URL', async () => {
    const dir = await tempDir('stipple-pp-build-');
    try {
      const out = await buildPhotopeaPlugin({ outdir: dir, url: 'https://plugins.example.com/stipple/' });
      const json = JSON.parse(await readFile(join(out, 'plugin.json'), 'utf8'));
      expect(json).toEqual({ name: 'Stipple', url: 'https://plugins.example.com/stipple/', icon: 'https://plugins.example.com/stipple/icon.svg' });
      expect(await readFile(join(out, 'index.html'), 'utf8')).toContain('<script type="module" src="./main.js"></script>');
      expect((await readFile(join(out, 'main.js'), 'utf8')).length).toBeGreaterThan(10_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
