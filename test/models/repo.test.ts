import { describe, expect, it } from 'vitest';
import { loadModelRepo } from '../../core/models';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { createRuntime } from '../../core/runtime';
import { ModelFormatError } from '../../core/errors';
import { FAMILIES, TINY, readCase } from '../runtime/helpers';

describe('loadModelRepo on the tiny-sd fixtures', () => {
  it.each([
    ['sd', 'plain', 4],
    ['sd-inpaint', 'inpaint', 9],
    ['ip2p', 'pix2pix', 8],
  ] as const)('%s is %s (in_channels %i)', async (dir, kind, channels) => {
    const repo = await loadModelRepo(new NodeFolderSource(`${TINY}${dir}`));
    expect(repo.kind).toBe(kind);
    expect(repo.unetInChannels).toBe(channels);
    expect(repo.vaeScaleFactor).toBe(8);
    expect(repo.scalingFactor).toBe(0.18215);
    expect(repo.vaeConfigPath).toBe('vae_decoder/config.json');
    expect(repo.schedulerConfig['_class_name']).toBe('PNDMScheduler');
    expect(repo.modelIndex?.['_class_name']).toMatch(/^StableDiffusion/);
    expect(repo.unetConfig['in_channels']).toBe(channels);
    expect(Object.keys(repo.components).sort()).toEqual(['text_encoder', 'unet', 'vae_decoder', 'vae_encoder']);
    expect(repo.components.unet.modelPath).toBe('unet/model.onnx');
    expect(repo.components.unet.externalDataPaths).toEqual([]);
  });

  it('builds the CLIP tokenizer from tokenizer/', async () => {
    const repo = await loadModelRepo(new NodeFolderSource(`${TINY}sd`));
    const c = readCase('sdedit_img2img');
    expect(repo.tokenizer.encode(c['prompt'] as string).inputIds).toEqual(c.prompt_input_ids);
  });

  it('loads the export variants too', async () => {
    for (const dir of Object.values(FAMILIES)) {
      const repo = await loadModelRepo(new NodeFolderSource(dir));
      expect(repo.kind).toBe('plain');
    }
  });

  it('loads a component lazily, with its graph signature', async () => {
    const repo = await loadModelRepo(new NodeFolderSource(`${TINY}sd-inpaint`));
    const files = await repo.components.unet.load();
    expect(files.file).toBe('unet/model.onnx');
    expect(files.externalData).toBeUndefined();
    expect(files.graph.inputs.map((i) => [i.name, i.type, i.shape])).toEqual([
      ['sample', 'float32', ['batch_size', 9, 'height', 'width']],
      ['timestep', 'float32', []],
      ['encoder_hidden_states', 'float32', ['batch_size', 'sequence_length', 32]],
    ]);
  });

  it('NodeFolderSource: missing files are ModelFormatErrors naming the file', async () => {
    const source = new NodeFolderSource(`${TINY}sd`);
    expect(await source.exists('unet/model.onnx')).toBe(true);
    expect(await source.exists('unet/nope.onnx')).toBe(false);
    expect(await source.exists('unet')).toBe(false); // a folder is not a file
    const err = await source.readBytes('unet/nope.onnx').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFormatError);
    expect((err as ModelFormatError).file).toBe('unet/nope.onnx');
    expect((err as Error).message).toContain('unet/nope.onnx');
    await expect(source.readText('../sd/model_index.json')).rejects.toThrow(/not a path inside a model repo/);
  });
});

describe('large external data', () => {
  it('a local folder hands files above the threshold to ONNX Runtime by path, not as bytes', async () => {
    const source = new NodeFolderSource(`${__dirname}/../fixtures/variants/external-data/sd`);
    const repo = await loadModelRepo(source, { largeFileBytes: 1 });
    const files = await repo.components.unet.load();
    expect(files.externalData).toEqual([{ path: 'model.onnx_data', data: source.filePath('unet/model.onnx_data') }]);
    const unet = await createRuntime().createUnet(repo);
    expect(unet.inChannels).toBe(4);
    await unet.release();
  });
});
