/**
 * The one engine API: `createEngine` inline and in a Worker (a
 * MessageChannel stand-in, as protocol.test.ts) loads the same model, chooses
 * the backend the same way (core/runtime/engine-setup.ts), and reproduces the
 * diffusers golden case; the posted model form and the operation table.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { FileListSource, labelModelInput, openPostedModel, postModelInput, PRESETS } from '../../core/delivery';
import { createEditor } from '../../core/editor';
import { createEngine, type EditEngine } from '../../core/engine';
import { RuntimeError } from '../../core/errors';
import { InvalidInputError } from '../../core/image';
import { WorkerEngine } from '../../core/jobs/engine';
import type { WorkerLike } from '../../core/jobs/client';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { DEFAULT_STRENGTH, MASKED_OPERATIONS, OPERATION_TABLE, operationsFor } from '../../core/operations';
import { OPERATIONS, resolveParams } from '../../core/pipelines/request';
import type { WebGpuProbe } from '../../core/runtime/backend';
import { caseImage, caseMask, caseNoise, caseOutput, loadCase, maxAbsDiff } from '../pipelines/golden';

/** A software adapter: `auto` must pass it over for WASM, inline and in the Worker alike. */
const SWIFTSHADER: WebGpuProbe = {
  ok: true,
  adapter: {
    vendor: 'google',
    architecture: 'swiftshader',
    description: 'SwiftShader',
    fallback: true,
    shaderF16: true,
    maxBufferSize: 2 ** 30,
    maxStorageBufferBindingSize: 2 ** 30,
  },
};

function channelWorker(probe: WebGpuProbe): WorkerLike {
  const { port1, port2 } = new MessageChannel();
  const started = (port: MessagePort) => {
    port.start();
    return port as unknown as WorkerLike;
  };
  new WorkerEngine(started(port2), {
    openSource: (m) => {
      if (!('url' in m)) throw new Error('only { url } in this test');
      return new NodeFolderSource(m.url);
    },
    probe: async () => probe,
  });
  return Object.assign(started(port1), { terminate: () => port1.close() });
}

const engines: EditEngine[] = [];
afterAll(async () => {
  await Promise.all(engines.map((e) => e.dispose()));
});

describe('createEngine', () => {
  it('runs inline on the model and reproduces the diffusers SDEdit case to 1e-4', async () => {
    const c = loadCase('sdedit_img2img', 'sdedit');
    const engine = await createEngine({ where: 'inline', model: new NodeFolderSource(c.modelDir) });
    engines.push(engine);
    expect(engine.info.backend.backend).toBe('wasm');
    expect(engine.info.backend.reason).toMatch(/no WebGPU/);
    expect(engine.info.modelKind).toBe('plain');
    expect(engine.operations).toEqual(['mask-edit', 'sdedit', 'diffedit']);
    const p = c.json.params;
    const result = await engine.edit('sdedit', {
      image: caseImage(c),
      prompt: c.json.prompt,
      negativePrompt: c.json.negative_prompt,
      steps: p.num_inference_steps,
      strength: p.strength,
      guidance: p.guidance_scale,
      scheduler: 'ddim',
      noise: await caseNoise(c),
    });
    expect(maxAbsDiff(result.raw, caseOutput(c))).toBeLessThan(1e-4);
  });

  it('chooses the backend the same way inline and in a Worker (a software adapter loses to WASM)', async () => {
    const c = loadCase('inpaint_9ch', 'inpaint');
    const inline = await createEngine({ where: 'inline', model: new NodeFolderSource(c.modelDir), probe: async () => SWIFTSHADER });
    const worker = await createEngine({ where: 'worker', worker: () => channelWorker(SWIFTSHADER), model: { url: c.modelDir } });
    engines.push(inline, worker);
    expect(inline.info.backend.backend).toBe('wasm');
    expect(inline.info.backend.reason).toMatch(/software renderer/);
    expect(worker.info.backend).toEqual(inline.info.backend);
    expect([inline.info.where, worker.info.where]).toEqual(['inline', 'worker']);
    expect(worker.info.lowMemory).toBe(inline.info.lowMemory);
    expect(worker.operations).toEqual(['inpaint']);
    // Same seed, same engine code on both sides: the same pixels.
    const request = { image: caseImage(c), mask: caseMask(c)!, prompt: 'a fox', steps: 2, seed: 7 };
    const [a, b] = [await inline.edit('inpaint', request), await worker.edit('inpaint', request)];
    expect(maxAbsDiff(a.raw, b.raw)).toBe(0);
  });

  it('refuses a forced WebGPU where there is none, with a typed error that says what to do', async () => {
    const c = loadCase('sdedit_img2img', 'sdedit');
    const run = createEngine({ where: 'inline', model: new NodeFolderSource(c.modelDir), backend: 'webgpu' });
    await expect(run).rejects.toBeInstanceOf(RuntimeError);
    await expect(run).rejects.toThrow(/automatic backend choice/);
  });

  it('keeps createEditor as it was: no info, the same operations', async () => {
    const c = loadCase('sdedit_img2img', 'sdedit');
    const editor = await createEditor({ model: new NodeFolderSource(c.modelDir) });
    engines.push(editor);
    expect(editor.info).toBeUndefined();
    expect(editor.operations).toEqual(operationsFor('plain'));
  });
});

describe('the posted model form', () => {
  const page = 'https://stipple.test/app/';

  it('posts presets, URLs and picked files as plain data, and labels them', () => {
    const local = postModelInput('tiny-sd-inpaint', page);
    expect(local).toMatchObject({ url: 'https://stipple.test/app/models/tiny-sd/sd-inpaint/' });
    // The local preset's manifest travels with it: optional files are not probed (no 404s).
    expect('files' in local && local.files).toContain('unet/model.onnx');
    expect('files' in local && local.files).not.toContain('unet/model.onnx_data');
    expect(postModelInput('sd-turbo', page)).toEqual({ preset: 'sd-turbo', base: page });
    expect(postModelInput('../repo/', page)).toEqual({ repo: 'https://stipple.test/repo/' });
    const files = [new File(['{}'], 'model_index.json'), new File(['x'], 'model.onnx')];
    Object.defineProperty(files[0], 'webkitRelativePath', { value: 'my-model/model_index.json' });
    Object.defineProperty(files[1], 'webkitRelativePath', { value: 'my-model/unet/model.onnx' });
    const posted = postModelInput(files);
    expect(posted).toEqual({ files: [{ path: 'my-model/model_index.json', blob: files[0] }, { path: 'my-model/unet/model.onnx', blob: files[1] }] });
    // What survives structuredClone (a postMessage) opens to the same repo paths.
    expect(new FileListSource(structuredClone(posted as { files: { path: string; blob: Blob }[] }).files).paths).toEqual(new FileListSource(files).paths);
    expect(labelModelInput(files)).toEqual({ title: 'Folder “my-model”' });
    expect(labelModelInput('tiny-sd-inpaint')).toEqual({ title: PRESETS.find((p) => p.id === 'tiny-sd-inpaint')!.title, note: 'Random weights: its output is noise.' });
    expect(labelModelInput('sd-turbo').note).toBeUndefined();
  });

  it('refuses what cannot cross to a Worker, and a word that is no preset, clearly', async () => {
    expect(() => postModelInput(new NodeFolderSource('/tmp'))).toThrow(InvalidInputError);
    expect(() => postModelInput(new NodeFolderSource('/tmp'))).toThrow(/cannot be sent to a Worker/);
    await expect(openPostedModel({ preset: 'no-such-model' })).rejects.toThrow(/is not a model preset/);
  });

  it('opens picked files posted as { path, blob }, refusing two files with one path', async () => {
    const a = new File(['{"_class_name":"x"}'], 'model_index.json');
    const source = await openPostedModel({ files: [{ path: 'm/model_index.json', blob: a }] });
    expect(await source.readText('model_index.json')).toBe('{"_class_name":"x"}');
    await expect(openPostedModel({ files: [{ path: 'unet/model.onnx', blob: a }, { path: 'unet/model.onnx', blob: a }] })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });
});

describe('the operation table', () => {
  it('covers every edit, and the editor, request defaults and mask rules read it', () => {
    expect(Object.keys(OPERATION_TABLE)).toEqual([...OPERATIONS]);
    expect(MASKED_OPERATIONS).toEqual(['inpaint', 'mask-edit']);
    for (const op of OPERATIONS) {
      expect(resolveParams(op, { image: { width: 8, height: 8, data: new Uint8ClampedArray(256) }, prompt: 'x', ...(op === 'diffedit' && { diffedit: { sourcePrompt: 'y' } }) }, 'ddim', 1).strength).toBe(
        DEFAULT_STRENGTH[op],
      );
      // The preset it suggests exists and runs it.
      expect(PRESETS.find((p) => p.id === OPERATION_TABLE[op].preset)?.kind).toBe(OPERATION_TABLE[op].modelKind);
    }
  });
});
