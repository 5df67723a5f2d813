/**
 * Picking the ONNX Runtime: `native` loads onnxruntime-node or fails with the
 * install line, `auto` falls back to WASM, and thread counts follow the cores
 * with WASM capped. Real sessions on both runtimes are covered by the golden
 * tests (test/pipelines/golden.test.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  defaultOrt,
  defaultThreads,
  loadDefaultOrt,
  NATIVE_INSTALL,
  nativeRuntimeInstalled,
  NativeRuntimeUnavailableError,
  openRuntime,
  selectOrt,
  type OrtRuntime,
} from '../../core/runtime';
import { StippleError } from '../../core/errors';

const missing = async (): Promise<OrtRuntime> => {
  throw new Error("Cannot find package 'onnxruntime-node' imported from dist/cli.js");
};
const NATIVE = await nativeRuntimeInstalled();
const fakeNative = { InferenceSession: { create: async () => undefined }, Tensor: (await loadDefaultOrt()).Tensor, env: {} } as unknown as OrtRuntime;

describe('selectOrt', () => {
  it('native without onnxruntime-node: a typed error with the install line, not a stack trace', async () => {
    const error = await selectOrt('native', { importNative: missing }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NativeRuntimeUnavailableError);
    expect((error as StippleError).code).toBe('RUNTIME');
    expect((error as Error).message).toContain(NATIVE_INSTALL);
    expect((error as Error).message).toContain("Cannot find package 'onnxruntime-node'");
  });

  it('auto prefers native in Node and falls back to wasm when it is not installed', async () => {
    expect(await selectOrt('auto', { importNative: async () => fakeNative, cores: 8 })).toEqual({ runtime: 'native', ort: fakeNative, threads: 8 });
    expect(await selectOrt('auto', { importNative: missing, cores: 8 })).toEqual({ runtime: 'wasm', ort: defaultOrt, threads: 4 });
    expect(await selectOrt('wasm', { importNative: async () => fakeNative, threads: 3 })).toEqual({ runtime: 'wasm', ort: defaultOrt, threads: 3 });
  });

  it('defaults to every core, at most 4 on wasm (onnxruntime-web\'s own cap)', () => {
    expect([defaultThreads('wasm', 2), defaultThreads('wasm', 16), defaultThreads('native', 16), defaultThreads('native', 0)]).toEqual([2, 4, 16, 1]);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses %s threads', async (threads) => {
    await expect(selectOrt('wasm', { threads })).rejects.toThrow(/Threads must be a whole number of at least 1/);
  });

  it('refuses an unknown runtime name', async () => {
    await expect(selectOrt('gpu' as 'auto')).rejects.toThrow(/Unknown runtime "gpu": use auto, wasm or native/);
  });

  it.runIf(NATIVE)('openRuntime("native") creates sessions on onnxruntime-node with the threads asked for', async () => {
    const runtime = await openRuntime('native', { threads: 2 });
    expect(runtime.selection).toMatchObject({ runtime: 'native', threads: 2 });
    expect(runtime.ort).not.toBe(defaultOrt);
    expect(runtime.ort.env.versions?.node).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
