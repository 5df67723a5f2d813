/**
 * Broken repos must fail with a typed error that names the offending file,
 * so a designer (or the cache layer) knows what to re-download or fix.
 */
import { cp, mkdtemp, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelFormatError, TokenizerFormatError } from '../../core/errors';
import { loadModelRepo, type ModelRepo } from '../../core/models';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { createRuntime, ModelSession } from '../../core/runtime';
import { FAMILIES, FIXTURES, TINY } from '../runtime/helpers';

const tmpDirs: string[] = [];
afterAll(async () => {
  await Promise.all(tmpDirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** A throw-away copy of a fixture repo. */
async function copyRepo(from: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'stipple-repo-'));
  tmpDirs.push(dir);
  await cp(from, dir, { recursive: true });
  return dir;
}

/** Awaits a promise that must reject with a ModelFormatError about `file`. */
async function expectFormatError(promise: Promise<unknown>, file: string): Promise<ModelFormatError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelFormatError);
  const e = err as ModelFormatError;
  expect(e.code).toBe('MODEL_FORMAT');
  expect(e.file).toBe(file);
  expect(e.message).toContain(file);
  return e;
}

const runtime = createRuntime();

describe('not a model repo', () => {
  it('the fixtures folder itself', async () => {
    const e = await expectFormatError(loadModelRepo(new NodeFolderSource(FIXTURES)), 'model_index.json');
    expect(e.message).toMatch(/model repo/);
  });

  it('an empty folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stipple-empty-'));
    tmpDirs.push(dir);
    await expectFormatError(loadModelRepo(new NodeFolderSource(dir)), 'model_index.json');
  });

  it('a folder that does not exist', async () => {
    await expectFormatError(loadModelRepo(new NodeFolderSource(join(tmpdir(), 'stipple-no-such-dir'))), 'model_index.json');
  });
});

describe('broken files', () => {
  it('missing unet/model.onnx', async () => {
    const dir = await copyRepo(`${TINY}sd`);
    await unlink(join(dir, 'unet/model.onnx'));
    await expectFormatError(loadModelRepo(new NodeFolderSource(dir)), 'unet/model.onnx');
  });

  it('missing vae_decoder/model.onnx', async () => {
    const dir = await copyRepo(`${TINY}sd`);
    await unlink(join(dir, 'vae_decoder/model.onnx'));
    await expectFormatError(loadModelRepo(new NodeFolderSource(dir)), 'vae_decoder/model.onnx');
  });

  it('truncated unet/model.onnx (first half only)', async () => {
    const dir = await copyRepo(`${TINY}sd`);
    const path = join(dir, 'unet/model.onnx');
    const full = await readFile(path);
    await truncate(path, Math.floor(full.byteLength / 2));
    // The configs are fine, so the repo loads; the UNet fails when it is loaded.
    const repo = await loadModelRepo(new NodeFolderSource(dir));
    const e = await expectFormatError(repo.components.unet.load(), 'unet/model.onnx');
    expect(e.message).toMatch(/truncated or corrupt/);
    await expectFormatError(runtime.createUnet(repo), 'unet/model.onnx');
  });

  it('ORT rejecting a model is a ModelFormatError naming the file, with ORT error as cause', async () => {
    const full = await readFile(`${TINY}sd/unet/model.onnx`);
    const half = new Uint8Array(full.buffer, full.byteOffset, full.byteLength / 2);
    const e = await expectFormatError(
      ModelSession.create(runtime.ort, { file: 'unet/model.onnx', model: half }, { executionProviders: ['wasm'] }),
      'unet/model.onnx',
    );
    expect(String((e.cause as Error).message)).toMatch(/protobuf parsing failed/);
  });

  it('garbage, an HTML page and a Git LFS pointer in place of a model', async () => {
    const dir = await copyRepo(`${TINY}sd`);
    const path = join(dir, 'vae_decoder/model.onnx');
    const source = new NodeFolderSource(dir);
    for (const [content, pattern] of [
      ['<!DOCTYPE html><html><body>502 Bad Gateway</body></html>', /HTML/],
      ['version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 714252\n', /Git LFS pointer/],
      [new Uint8Array(4096).map((_, i) => (i * 7919) % 251), /truncated or corrupt/],
      ['', /empty/],
    ] as const) {
      await writeFile(path, content);
      const repo = await loadModelRepo(source);
      const e = await expectFormatError(repo.components.vae_decoder.load(), 'vae_decoder/model.onnx');
      expect(e.message).toMatch(pattern);
    }
  });

  it('unet/config.json that is not JSON', async () => {
    const dir = await copyRepo(`${TINY}sd`);
    await writeFile(join(dir, 'unet/config.json'), '{ "in_channels": 4, ');
    const e = await expectFormatError(loadModelRepo(new NodeFolderSource(dir)), 'unet/config.json');
    expect(e.message).toMatch(/JSON/);
  });

  it('unet/config.json with an unsupported in_channels', async () => {
    const dir = await copyRepo(`${TINY}sd`);
    const config = JSON.parse(await readFile(join(dir, 'unet/config.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(dir, 'unet/config.json'), JSON.stringify({ ...config, in_channels: 7 }));
    await expectFormatError(loadModelRepo(new NodeFolderSource(dir)), 'unet/config.json');
  });

  it('scheduler config that is a JSON array', async () => {
    const dir = await copyRepo(`${TINY}sd`);
    await writeFile(join(dir, 'scheduler/scheduler_config.json'), '[]');
    await expectFormatError(loadModelRepo(new NodeFolderSource(dir)), 'scheduler/scheduler_config.json');
  });

  it('missing tokenizer/vocab.json is a TokenizerFormatError naming it', async () => {
    const dir = await copyRepo(`${TINY}sd`);
    await unlink(join(dir, 'tokenizer/vocab.json'));
    const err = await loadModelRepo(new NodeFolderSource(dir)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenizerFormatError);
    expect((err as Error).message).toContain('tokenizer/vocab.json');
  });

  describe('unet/config.json in_channels 4 but the graph takes 9 channels', () => {
    let repo: ModelRepo;
    it('fails when the UNet is loaded, naming unet/config.json', async () => {
      const dir = await copyRepo(`${TINY}sd-inpaint`);
      const config = JSON.parse(await readFile(join(dir, 'unet/config.json'), 'utf8')) as Record<string, unknown>;
      await writeFile(join(dir, 'unet/config.json'), JSON.stringify({ ...config, in_channels: 4 }));
      repo = await loadModelRepo(new NodeFolderSource(dir));
      expect(repo.kind).toBe('plain');
      const e = await expectFormatError(repo.components.unet.load(), 'unet/config.json');
      expect(e.message).toMatch(/9/);
      await expectFormatError(runtime.createUnet(repo), 'unet/config.json');
    });

    it('the runtime checks the session metadata too', async () => {
      // A component whose load() skips the repo-side check: the runtime must still catch it.
      const unet = repo.components.unet;
      const files = await new NodeFolderSource(`${TINY}sd-inpaint`).readBytes('unet/model.onnx');
      const lenient = {
        ...repo,
        components: {
          ...repo.components,
          unet: { ...unet, load: async () => ({ file: unet.modelPath, model: files, graph: { irVersion: 8, opsetVersion: 17, inputs: [], outputs: [], externalData: [] } }) },
        },
      };
      await expectFormatError(runtime.createUnet(lenient), 'unet/config.json');
    });
  });

  it('missing external data file', async () => {
    const dir = await copyRepo(FAMILIES['external-data/sd']);
    await unlink(join(dir, 'unet/model.onnx_data'));
    const repo = await loadModelRepo(new NodeFolderSource(dir));
    expect(repo.components.unet.externalDataPaths).toEqual([]);
    const e = await expectFormatError(repo.components.unet.load(), 'unet/model.onnx_data');
    expect(e.message).toContain('unet/model.onnx');
  });

  it('truncated external data file', async () => {
    const dir = await copyRepo(FAMILIES['external-data/sd']);
    await truncate(join(dir, 'text_encoder/model.onnx_data'), 1_000_000);
    const repo = await loadModelRepo(new NodeFolderSource(dir));
    const e = await expectFormatError(runtime.createTextEncoder(repo), 'text_encoder/model.onnx_data');
    expect(e.message).toMatch(/truncated/);
  });
});
