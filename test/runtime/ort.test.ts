/** The default ONNX Runtime loads on first use, and settings made before that reach it. */
import { describe, expect, it } from 'vitest';
import { createRuntime, defaultOrt, loadDefaultOrt, RuntimeError } from '../../core';
import { loadModelRepo } from '../../core/models';
import { NodeFolderSource } from '../../core/models/node-folder-source';

const MODEL = new URL('../fixtures/tiny-sd/sd', import.meta.url).pathname;

describe('defaultOrt', () => {
  it('is not loaded at import; env settings made before loading are applied when it loads', async () => {
    // Fresh module state: this file is the only one in its worker to touch ORT.
    expect(() => defaultOrt.Tensor).toThrow(RuntimeError);
    defaultOrt.env.wasm.numThreads = 1;
    defaultOrt.env.wasm.proxy = false;
    const ort = await loadDefaultOrt();
    expect(ort.env.wasm.numThreads).toBe(1);
    expect(ort.env.wasm.proxy).toBe(false);
    expect(defaultOrt.env).toBe(ort.env);
    expect(defaultOrt.Tensor).toBe(ort.Tensor);
    expect(await loadDefaultOrt()).toBe(ort);
  });

  it('creates sessions through the lazily loaded module', async () => {
    const repo = await loadModelRepo(new NodeFolderSource(MODEL));
    const encoder = await createRuntime().createTextEncoder(repo);
    const { dims } = await encoder.encode([repo.tokenizer.encode('a fox').inputIds]);
    expect(dims[0]).toBe(1);
    await encoder.release();
  });
});
