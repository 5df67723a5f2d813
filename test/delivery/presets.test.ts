/**
 * The presets are data: the tiny ones must match the fixture files byte for
 * byte, and every full-repo preset must list what loadModelRepo reads.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StippleError } from '../../core/errors';
import { checkManifest, fileUrl, PRESETS, presetManifest, revisionFromUrl } from '../../core/delivery';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'tiny-sd');

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(relative(dir, join(entry.parentPath, entry.name)).split('\\').join('/'));
  }
  return out.sort();
}

describe('presets', () => {
  it('have unique ids and the tiny fixture models first', () => {
    const ids = PRESETS.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.slice(0, 3)).toEqual(['tiny-sd', 'tiny-sd-inpaint', 'tiny-ip2p']);
    expect(ids).toEqual(expect.arrayContaining(['sd-turbo', 'sd2-inpaint', 'instruct-pix2pix', 'taesd']));
  });

  it.each([
    ['tiny-sd', 'sd', 'plain'],
    ['tiny-sd-inpaint', 'sd-inpaint', 'inpaint'],
    ['tiny-ip2p', 'ip2p', 'pix2pix'],
  ])('%s lists every file of test/fixtures/tiny-sd/%s with its size and sha256', async (id, folder, kind) => {
    const preset = PRESETS.find((p) => p.id === id)!;
    expect(preset.kind).toBe(kind);
    expect(preset.verified).toBe(true);
    expect(preset.baseUrl).toBe(`models/tiny-sd/${folder}/`);
    const dir = join(FIXTURES, folder);
    expect(preset.files.map((f) => f.path).sort()).toEqual(await listFiles(dir));
    for (const f of preset.files) {
      const bytes = await readFile(join(dir, f.path));
      // If a fixture changes, regenerate the entry: `sha256sum` and `stat -c %s` of the file.
      expect({ path: f.path, size: f.size, sha256: f.sha256 }).toEqual({
        path: f.path,
        size: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      });
    }
  });

  it('give each Stable Diffusion repo the files the loader reads', () => {
    for (const p of PRESETS.filter((p) => p.kind !== 'taesd')) {
      const paths = new Set(p.files.map((f) => f.path));
      const required = new Set(p.files.filter((f) => !f.optional).map((f) => f.path));
      for (const need of [
        'scheduler/scheduler_config.json',
        'unet/config.json',
        'tokenizer/vocab.json',
        'tokenizer/merges.txt',
        'text_encoder/model.onnx',
        'unet/model.onnx',
        'vae_encoder/model.onnx',
        'vae_decoder/model.onnx',
      ]) {
        expect(required.has(need), `${p.id}: ${need}`).toBe(true);
      }
      expect(['vae_decoder/config.json', 'vae/config.json', 'vae_encoder/config.json'].some((v) => paths.has(v)), p.id).toBe(true);
    }
    const taesd = PRESETS.find((p) => p.id === 'taesd')!;
    expect(taesd.files.map((f) => f.path)).toEqual(['vae_decoder/model.onnx', 'vae_encoder/model.onnx']);
  });

  it('point the public repos at Hugging Face resolve URLs', () => {
    const hf = {
      'sd-turbo': 'schmuell/sd-turbo-ort-web',
      'sd2-inpaint': 'jdp8/optimum-sd-2-inpainting-onnx-fp32',
      'instruct-pix2pix': 'TensorStack/Instruct-pix2pix-onnx',
      taesd: 'deinferno/taesd-onnx',
    };
    for (const [id, repo] of Object.entries(hf)) {
      const p = presetManifest(id);
      expect(p.baseUrl).toBe(`https://huggingface.co/${repo}/resolve/main/`);
      expect(revisionFromUrl(p.baseUrl!)).toBe(p.revision);
      expect(p.verified).toBe(false);
      for (const f of p.files) expect(fileUrl(p, f)).toMatch(/^https:\/\/huggingface\.co\/[^/]+\/[^/]+\/resolve\/main\//);
    }
    const large = presetManifest('sd2-inpaint').files.find((f) => f.path === 'unet/model.onnx_data');
    expect(large).toBeDefined();
  });

  it('resolve the tiny presets against the server that serves them', () => {
    const m = presetManifest('tiny-sd', 'http://127.0.0.1:8080/app/index.html');
    expect(m.baseUrl).toBe('http://127.0.0.1:8080/app/models/tiny-sd/sd/');
    expect(fileUrl(m, m.files[0]!)).toBe('http://127.0.0.1:8080/app/models/tiny-sd/sd/model_index.json');
    // Outside a page, a relative preset needs a base.
    expect(() => presetManifest('tiny-sd')).toThrow(/base/);
  });

  it('name the presets when the id is unknown', () => {
    const err = (() => {
      try {
        presetManifest('sd-turb');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(StippleError);
    expect((err as StippleError).code).toBe('INVALID_INPUT');
    expect((err as Error).message).toContain('tiny-sd');
  });
});

describe('checkManifest', () => {
  const ok = { id: 'm', revision: 'r', baseUrl: 'https://h/', files: [{ path: 'a.json', size: 1 }] };
  it.each([
    [{ ...ok, id: '' }, /"id"/],
    [{ ...ok, files: [] }, /"files"/],
    [{ ...ok, files: [{ path: '../x' }] }, /not a repo path/],
    [{ ...ok, files: [{ path: 'a' }, { path: 'a' }] }, /twice/],
    [{ ...ok, files: [{ path: 'a', size: -1 }] }, /"size"/],
    [{ ...ok, files: [{ path: 'a', sha256: 'ABC' }] }, /"sha256"/],
    [{ ...ok, baseUrl: undefined }, /no "url"/],
    [{ ...ok, kind: 'sdxl' }, /"kind"/],
  ])('rejects %j', (bad, message) => {
    expect(() => checkManifest(bad)).toThrow(message);
  });
  it('accepts a well-formed manifest', () => {
    expect(checkManifest(ok)).toBe(ok);
  });
});
