/**
 * Backend choice, model profiling, GPU error mapping and low-memory mode:
 * the parts of the browser runtime that need no browser.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createEditor } from '../../core/editor';
import { asGpuError, GpuRuntimeError } from '../../core/gpu/errors';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { chooseBackend, probeWebGpu, type AdapterSummary, type BackendInputs, type ModelNeeds } from '../../core/runtime/backend';
import { createRuntime, type StippleRuntime } from '../../core/runtime';
import { profileWeights } from '../../core/runtime/weights';
import { caseImage, FIXTURES, loadCase } from '../pipelines/golden';

const GPU: AdapterSummary = {
  vendor: 'acme',
  architecture: 'rdna9',
  description: '',
  fallback: false,
  shaderF16: true,
  maxBufferSize: 2 ** 31,
  maxStorageBufferBindingSize: 2 ** 30,
};
const FP32: ModelNeeds = { floatType: 'float32', float16Io: false, largestWeightBytes: 100 * 2 ** 20, largestWeightName: 'conv.weight' };
const base: BackendInputs = { webgpu: { ok: true, adapter: GPU }, model: FP32, crossOriginIsolated: true, hardwareConcurrency: 8 };

describe('chooseBackend', () => {
  it('picks WebGPU when an adapter fits the model, and says so', () => {
    const c = chooseBackend(base);
    expect(c).toMatchObject({ backend: 'webgpu', threads: 4, adapter: GPU });
    expect(c.reason).toBe('WebGPU on acme rdna9; the model (float32, largest weight 100.0 MiB) fits its limits.');
  });

  it('falls back to WASM without WebGPU, with the reason', () => {
    const c = chooseBackend({ ...base, webgpu: { ok: false, reason: 'this browser has no WebGPU (navigator.gpu is missing)' } });
    expect(c).toMatchObject({ backend: 'wasm', threads: 4 });
    expect(c.reason).toBe('WASM (4 threads), because this browser has no WebGPU (navigator.gpu is missing).');
  });

  it('passes a software fallback adapter over for WASM in auto, and uses it when asked', () => {
    const swiftshader = { ok: true as const, adapter: { ...GPU, vendor: 'google', architecture: 'swiftshader', fallback: true } };
    const auto = chooseBackend({ ...base, webgpu: swiftshader });
    expect(auto).toMatchObject({ backend: 'wasm', threads: 4 });
    expect(auto.reason).toBe('WASM (4 threads), because the only WebGPU adapter is a software renderer, slower than the CPU; choose WebGPU to use it anyway.');
    expect(chooseBackend({ ...base, webgpu: swiftshader, preference: 'webgpu' }).backend).toBe('webgpu');
  });

  it('needs shader-f16 for float16 weights or float16 I/O', () => {
    const noF16 = { ok: true as const, adapter: { ...GPU, shaderF16: false } };
    expect(chooseBackend({ ...base, webgpu: noF16, model: { ...FP32, floatType: 'float16' } }).reason).toMatch(
      /^WASM .*because the model uses float16 and this GPU lacks shader-f16\.$/,
    );
    expect(chooseBackend({ ...base, webgpu: noF16, model: { ...FP32, float16Io: true } }).backend).toBe('wasm');
    expect(chooseBackend({ ...base, model: { ...FP32, floatType: 'float16' } }).backend).toBe('webgpu');
  });

  it('needs the largest weight to fit a buffer and a storage binding', () => {
    const big = { ...FP32, largestWeightBytes: 1.5 * 2 ** 30 };
    expect(chooseBackend({ ...base, model: big }).reason).toMatch(
      /largest weight \(conv\.weight\) is 1\.5 GiB, more than this GPU's maxStorageBufferBindingSize of 1\.0 GiB/,
    );
    const smallBuffer = { ok: true as const, adapter: { ...GPU, maxBufferSize: 2 ** 27, maxStorageBufferBindingSize: 2 ** 30 } };
    expect(chooseBackend({ ...base, webgpu: smallBuffer, model: { ...FP32, largestWeightBytes: 200 * 2 ** 20 } }).reason).toMatch(/maxBufferSize of 128\.0 MiB/);
  });

  it('honours an explicit override', () => {
    expect(chooseBackend({ ...base, preference: 'wasm' })).toMatchObject({ backend: 'wasm', reason: 'WASM was chosen explicitly (4 threads).' });
    const forced = chooseBackend({ ...base, preference: 'webgpu', model: { ...FP32, largestWeightBytes: 2 ** 31 } });
    expect(forced.backend).toBe('webgpu');
    expect(forced.reason).toMatch(/^WebGPU was chosen explicitly, although the model's largest weight/);
    expect(() => chooseBackend({ ...base, preference: 'webgpu', webgpu: { ok: false, reason: 'no adapter' } })).toThrow(
      /WebGPU was requested, but no adapter\. Use the automatic backend choice/,
    );
  });

  it('runs WASM multi-threaded only when cross-origin isolated', () => {
    expect(chooseBackend({ ...base, preference: 'wasm', crossOriginIsolated: false, numThreads: 4 })).toMatchObject({
      threads: 1,
      reason: 'WASM was chosen explicitly (1 thread: the page is not cross-origin isolated).',
    });
    expect(chooseBackend({ ...base, hardwareConcurrency: 2 }).threads).toBe(2);
    expect(chooseBackend({ ...base, numThreads: 3 }).threads).toBe(3);
  });
});

describe('probeWebGpu', () => {
  it('reports a missing API, a missing adapter and a failing request', async () => {
    expect(await probeWebGpu(undefined)).toEqual({ ok: false, reason: 'this browser has no WebGPU (navigator.gpu is missing)' });
    expect(await probeWebGpu({ requestAdapter: async () => null })).toMatchObject({ ok: false, reason: /offers no adapter/ });
    expect(await probeWebGpu({ requestAdapter: async () => Promise.reject(new Error('boom')) })).toMatchObject({ ok: false, reason: /boom/ });
  });

  it('summarises the adapter (SwiftShader-like)', async () => {
    const probe = await probeWebGpu({
      requestAdapter: async () => ({
        features: new Set<string>(),
        limits: { maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 30, maxStorageBuffersPerShaderStage: 10, maxComputeWorkgroupsPerDimension: 65535 },
        info: { vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true },
      }),
    });
    expect(probe).toEqual({
      ok: true,
      adapter: { vendor: 'google', architecture: 'swiftshader', description: '', fallback: true, shaderF16: false, maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 30 },
    });
  });

  it('counts a software renderer as a fallback adapter even when the browser does not say so', async () => {
    const adapter = (info: Record<string, string>) => async () => ({
      features: new Set<string>(),
      limits: { maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 30, maxStorageBuffersPerShaderStage: 10, maxComputeWorkgroupsPerDimension: 65535 },
      info,
    });
    const fallback = async (info: Record<string, string>) => {
      const probe = await probeWebGpu({ requestAdapter: adapter(info) });
      return probe.ok && probe.adapter.fallback;
    };
    expect(await fallback({ vendor: 'google', architecture: 'swiftshader' })).toBe(true);
    expect(await fallback({ vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).toBe(true);
    expect(await fallback({ vendor: 'nvidia', architecture: 'hopper' })).toBe(false);
  });
});

/** A ModelProto whose graph holds initializers of the given ONNX types and dims (no nodes). */
function modelWithWeights(weights: { name: string; type: number; dims: number[] }[]): Uint8Array {
  const varint = (n: number): number[] => {
    const out: number[] = [];
    while (n >= 0x80) {
      out.push((n % 128) | 0x80);
      n = Math.floor(n / 128);
    }
    out.push(n);
    return out;
  };
  const field = (no: number, body: number[]): number[] => [...varint(no * 8 + 2), ...varint(body.length), ...body];
  const tensors = weights.flatMap(({ name, type, dims }) => {
    const elem = type === 10 ? 2 : 4;
    const raw = new Array(dims.reduce((a, b) => a * b, 1) * elem).fill(0);
    return field(5, [...dims.flatMap((d) => [...varint(1 * 8), ...varint(d)]), ...varint(2 * 8), ...varint(type), ...field(8, [...Buffer.from(name)]), ...field(9, raw)]);
  });
  return Uint8Array.from([...varint(1 * 8), 8, ...field(7, tensors)]);
}

describe('profileWeights', () => {
  it('reads the fixture UNet: float32, its largest weight', () => {
    const model = new Uint8Array(readFileSync(`${FIXTURES}/sd/unet/model.onnx`));
    const p = profileWeights({ model });
    expect(p.floatType).toBe('float32');
    expect(p.largestBytes).toBeGreaterThan(100_000);
    expect(p.largestName).not.toBe('');
    // Most of the file is weights.
    expect(p.totalBytes).toBeGreaterThan(0.8 * model.length);
    expect(p.totalBytes).toBeLessThanOrEqual(model.length);
  });

  it('tells float16 weights apart and finds the largest', () => {
    const p = profileWeights({
      model: modelWithWeights([
        { name: 'a', type: 10, dims: [64, 64] },
        { name: 'b', type: 10, dims: [128, 64] },
        { name: 'c', type: 1, dims: [16] },
      ]),
    });
    expect(p).toMatchObject({ floatType: 'float16', largestBytes: 128 * 64 * 2, largestName: 'b', totalBytes: 64 * 64 * 2 + 128 * 64 * 2 + 64 });
  });
});

describe('asGpuError', () => {
  it('maps lost devices and GPU out-of-memory to a retryable error, and nothing else', () => {
    const lost = asGpuError(new Error('unet/model.onnx: ONNX Runtime failed to run the model (Device was destroyed.).'));
    expect(lost).toBeInstanceOf(GpuRuntimeError);
    expect(lost).toMatchObject({ failure: 'device-lost', canRetryOnWasm: true, code: 'RUNTIME' });
    expect(asGpuError(new Error('GPUOutOfMemoryError: could not allocate'))).toMatchObject({ failure: 'out-of-memory' });
    expect(asGpuError(new Error('input "sample" has 3 dims'))).toBeUndefined();
    expect(asGpuError(new Error('anything'), { reason: 'unknown', message: 'GPU process crashed' })).toMatchObject({
      failure: 'device-lost',
      message: expect.stringMatching(/GPU process crashed/),
    });
  });
});

describe('lowMemory', () => {
  /** A runtime that counts the sessions it creates per component. */
  function counting(): { runtime: StippleRuntime; created: Record<string, number>; released: Record<string, number> } {
    const inner = createRuntime();
    const created: Record<string, number> = {};
    const released: Record<string, number> = {};
    const wrap = <T extends { release(): Promise<void> }>(name: string, make: () => Promise<T>) => async () => {
      const s = await make();
      created[name] = (created[name] ?? 0) + 1;
      const release = s.release.bind(s);
      s.release = () => {
        released[name] = (released[name] ?? 0) + 1;
        return release();
      };
      return s;
    };
    const runtime: StippleRuntime = {
      ...inner,
      createTextEncoder: (r) => wrap('textEncoder', () => inner.createTextEncoder(r))(),
      createUnet: (r) => wrap('unet', () => inner.createUnet(r))(),
      createVaeEncoder: (r) => wrap('vaeEncoder', () => inner.createVaeEncoder(r))(),
      createVaeDecoder: (r) => wrap('vaeDecoder', () => inner.createVaeDecoder(r))(),
    };
    return { runtime, created, released };
  }

  it('releases the encoders once used and reloads them per edit; off by default', async () => {
    const c = loadCase('sdedit_img2img', 'sdedit');
    const request = { image: caseImage(c), prompt: 'a fox', steps: 2, strength: 1, seed: 1 };
    for (const lowMemory of [true, false]) {
      const { runtime, created, released } = counting();
      const editor = await createEditor({ model: new NodeFolderSource(c.modelDir), runtime, lowMemory });
      await editor.edit('sdedit', request);
      // Another prompt: the first one's cached embeddings do not apply, so the text encoder is needed again.
      await editor.edit('sdedit', { ...request, prompt: 'a red fox' });
      if (lowMemory) {
        expect(created).toEqual({ textEncoder: 2, vaeEncoder: 2, unet: 1, vaeDecoder: 1 });
        expect(released).toEqual({ textEncoder: 2, vaeEncoder: 2 });
      } else {
        expect(created).toEqual({ textEncoder: 1, vaeEncoder: 1, unet: 1, vaeDecoder: 1 });
        expect(released).toEqual({});
      }
      await editor.dispose();
      expect(Object.values(released).reduce((a, b) => a + b, 0)).toBe(Object.values(created).reduce((a, b) => a + b, 0));
    }
  });
});
