/** A model repo from a picked local folder: reads the fixture model through File objects. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../core/errors';
import { loadModelRepo } from '../../core/models/repo';
import { FilesSource } from '../../plugins/ui/files-source';

const ROOT = fileURLToPath(new URL('../fixtures/tiny-sd/sd-inpaint', import.meta.url));

/** The files a browser gives for <input webkitdirectory> on the folder, with small stand-ins for the weights. */
function pick(dir: string): File[] {
  const out: File[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else {
        const bytes = name.endsWith('.onnx') ? new Uint8Array([1, 2, 3]) : readFileSync(p);
        const f = new File([bytes], name);
        Object.defineProperty(f, 'webkitRelativePath', { value: `sd-inpaint/${relative(dir, p).split('\\').join('/')}` });
        out.push(f);
      }
    }
  };
  walk(dir);
  return out;
}

describe('FilesSource', () => {
  it('serves a picked folder as a model repo, without the folder name', async () => {
    const source = new FilesSource(pick(ROOT));
    expect(source.description).toBe('the folder "sd-inpaint"');
    expect(source.paths).toContain('unet/model.onnx');
    expect(await source.exists('unet/config.json')).toBe(true);
    expect(await source.exists('nope.json')).toBe(false);
    expect(Array.from(await source.readBytes('unet/model.onnx'))).toEqual([1, 2, 3]);
    const repo = await loadModelRepo(source);
    expect(repo.kind).toBe('inpaint');
    expect(repo.tokenizer.encode('a red fox').numTokens).toBe(3);
  });

  it('names missing files and refuses paths outside the repo', async () => {
    const source = new FilesSource(pick(ROOT), 'my model');
    expect(source.description).toBe('the folder "my model"');
    await expect(source.readText('scheduler/missing.json')).rejects.toBeInstanceOf(ModelFormatError);
    await expect(source.readText('scheduler/missing.json')).rejects.toThrow(/not in the folder "my model"/);
    await expect(source.exists('../secret')).rejects.toThrow(/not a path inside a model repo/);
  });

  it('keeps paths as they are when files were not picked from one folder', async () => {
    const source = new FilesSource([new File(['{}'], 'model_index.json')]);
    expect(source.paths).toEqual(['model_index.json']);
    expect(await source.readText('model_index.json')).toBe('{}');
  });
});
