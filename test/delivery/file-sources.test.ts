/**
 * Picked files as a repo: FileListSource over File objects (Node 20 has
 * File), named the way `<input webkitdirectory>` names them. The directory
 * handle source runs against a real FileSystemDirectoryHandle in Chromium
 * (test/browser/model-cache.browser.test.ts).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileListSource, openModelSource } from '../../core/delivery';
import { ModelFormatError, StippleError } from '../../core/errors';
import { loadModelRepo } from '../../core/models';
import { FIXTURES, sha256 } from './helpers';

/** The files of a fixture repo as a browser hands them over after picking the folder `folderName`. */
async function pickFolder(dir: string, folderName: string): Promise<File[]> {
  const files: File[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    const file = new File([await readFile(full)], entry.name);
    Object.defineProperty(file, 'webkitRelativePath', { value: `${folderName}/${relative(dir, full).split('\\').join('/')}` });
    files.push(file);
  }
  return files;
}

describe('FileListSource', () => {
  it('reads a picked folder as a repo, relative to the folder', async () => {
    const dir = join(FIXTURES, 'tiny-sd', 'sd-inpaint');
    const source = new FileListSource(await pickFolder(dir, 'my model'));
    expect(source.description).toBe('the picked folder "my model"');
    expect(source.paths).toContain('unet/model.onnx');
    const repo = await loadModelRepo(source);
    expect(repo.kind).toBe('inpaint');
    const unet = await repo.components.unet.load();
    expect(sha256(unet.model)).toBe(sha256(new Uint8Array(await readFile(join(dir, 'unet', 'model.onnx')))));
    // openModelSource takes picked files as they come, without copying them into a cache.
    expect(await openModelSource(await pickFolder(dir, 'x'))).toBeInstanceOf(FileListSource);
  });

  it('takes a map from repo path to Blob', async () => {
    const source = new FileListSource(new Map([['unet/config.json', new Blob(['{"in_channels": 4}'])]]));
    expect(await source.exists('unet/config.json')).toBe(true);
    expect(await source.exists('unet/model.onnx')).toBe(false);
    expect(JSON.parse(await source.readText('unet/config.json'))).toEqual({ in_channels: 4 });
    const err = await source.readBytes('unet/model.onnx').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFormatError);
    expect((err as ModelFormatError).file).toBe('unet/model.onnx');
  });

  it('refuses files that would collide (picked without their folders)', () => {
    const files = ['unet', 'vae_decoder'].map(() => new File([new Uint8Array(4)], 'model.onnx'));
    expect(() => new FileListSource(files)).toThrow(StippleError);
    expect(() => new FileListSource(files)).toThrow(/Pick the model's folder/);
  });
});
