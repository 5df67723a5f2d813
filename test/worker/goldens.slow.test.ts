/**
 * The browser runtime in Debian's Chromium (headless, SwiftShader WebGPU):
 * the engine in a module Worker behind the typed protocol, on WebGPU with the
 * GPU-resident loop and on multi-threaded WASM, against the diffusers golden
 * cases; and a lost device.
 * SwiftShader takes about a minute per case, so this file runs in
 * `npm run test:slow` (STIPPLE_TESTS=slow), not in `npm test`.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './browser-setup';
import { useWorkerPage, WORKER_CASES } from './suite';

const CASES = WORKER_CASES;

describe('browser runtime (Chromium, module Worker)', () => {
  const pageOf = useWorkerPage();
  let page: Page;
  beforeAll(() => {
    page = pageOf();
  });

  it('runs cross-origin isolated with WebGPU exposed', async () => {
    expect(await call(page, 'env')).toMatchObject({ crossOriginIsolated: true, webgpu: true });
  });

  describe('WebGPU backend, GPU-resident loop', () => {
    beforeAll(async () => {
      for (const model of ['sd', 'sd-inpaint', 'ip2p']) {
        // SwiftShader is a fallback adapter, which `auto` passes over for WASM: ask for WebGPU.
        const info = await call(page, 'open', `webgpu-${model}`, { model, backend: 'webgpu' });
        expect(info.backend.backend).toBe('webgpu');
        expect(info.backend.reason).toMatch(/WebGPU was chosen explicitly/);
      }
    }, 120_000);
    afterAll(async () => {
      for (const model of ['sd', 'sd-inpaint', 'ip2p']) await call(page, 'close', `webgpu-${model}`);
    });

    const golden = async (c: (typeof CASES)[number], previewEvery?: number) => {
      const run = await call(page, 'golden', `webgpu-${c.model}`, c.name, c.operation, { previewEvery });
      console.log(`webgpu ${c.name}: max diff ${run.maxDiff.toExponential(2)}, ${run.loop?.where} loop, ${(run.loop!.totalMs / run.steps).toFixed(0)} ms/step`);
      expect(run.timestepsMatch).toBe(true);
      expect(run.noiseRemaining).toBe(0);
      expect(run.maxDiff).toBeLessThan(1e-4);
      expect(run.loop?.where).toBe('gpu');
      return run;
    };

    it('sdedit_img2img matches diffusers within 1e-4, with exactly one readback per requested preview', async () => {
      const run = await golden(CASES[0]!, 2);
      expect(run.previews).toEqual([2, 4, 6]);
      expect(run.loop?.readbacksPerStep).toEqual([0, 1, 0, 1, 0, 1]);
      // Every mapAsync in the worker, ORT's own included.
      expect(run.loop?.mapsPerStep).toEqual([0, 1, 0, 1, 0, 1]);
    });

    for (const c of [CASES[1]!, CASES[3]!]) {
      it(`${c.name} (${c.operation}) matches diffusers within 1e-4 with zero readbacks per step`, async () => {
        const run = await golden(c);
        expect(run.loop?.readbacksPerStep).toEqual(new Array(run.steps).fill(0));
        expect(run.loop?.mapsPerStep).toEqual(new Array(run.steps).fill(0));
      });
    }

    it('cancels in the middle of a run and frees every GPU buffer; inpaint_4ch_legacy (mask-edit) then matches diffusers with zero readbacks', async () => {
      const cancelled = await call(page, 'cancel', 'webgpu-sd', 'inpaint_4ch_legacy', 'mask-edit', 2);
      expect(cancelled.error).toMatchObject({ name: 'CancelledError', code: 'CANCELLED' });
      expect(cancelled.stepsSeen).toBeLessThanOrEqual(3);
      expect(cancelled.after.activeJobs).toBe(0);
      expect(cancelled.after.gpu).toMatchObject({ liveBuffers: cancelled.before.gpu!.liveBuffers, liveTensors: 0 });

      const run = await golden(CASES[2]!);
      expect(run.loop?.readbacksPerStep).toEqual(new Array(run.steps).fill(0));
      expect(run.loop?.mapsPerStep).toEqual(new Array(run.steps).fill(0));
      const after = await call(page, 'stats', 'webgpu-sd');
      expect(after.gpu).toMatchObject({ liveBuffers: cancelled.before.gpu!.liveBuffers, liveTensors: 0 });
    });

    it('gives the CPU loop\'s result without residency, where every step reads back', async () => {
      // Euler ancestral: a scale factor, a noise upload per step, sigma-based blending.
      const out = await call(page, 'compareLoops', 'webgpu-sd', 'inpaint_4ch_legacy', 'mask-edit', { scheduler: 'euler-a', steps: 3, strength: 1 }, 32);
      expect(out.gpu.loop).toMatchObject({ where: 'gpu', readbacksPerStep: [0, 0, 0], mapsPerStep: [0, 0, 0] });
      expect(out.cpu.loop).toMatchObject({ where: 'cpu', reason: 'GPU residency is off' });
      expect(out.cpu.loop!.mapsPerStep!.every((n) => n >= 1)).toBe(true);
      expect(out.maxDiff).toBeLessThan(1e-4);
    });
  });

  describe('WASM backend (multi-threaded: the page is cross-origin isolated)', () => {
    for (const c of CASES) {
      it(`${c.name} (${c.operation}) matches diffusers within 1e-4`, async () => {
        const key = `wasm-${c.model}`;
        const info = await call(page, 'open', key, { model: c.model, backend: 'wasm' });
        expect(info.backend).toMatchObject({ backend: 'wasm', threads: 2, crossOriginIsolated: true });
        const run = await call(page, 'golden', key, c.name, c.operation);
        console.log(`wasm ${c.name}: max diff ${run.maxDiff.toExponential(2)}`);
        expect(run.timestepsMatch).toBe(true);
        expect(run.noiseRemaining).toBe(0);
        expect(run.maxDiff).toBeLessThan(1e-4);
        expect(run.loop?.where).toBe('cpu');
        await call(page, 'close', key);
      });
    }
  });

  describe('failures', () => {
    it('ends with a retryable error when the GPU device is lost, and the retry on WASM succeeds', async () => {
      await call(page, 'open', 'lost', { model: 'sd', backend: 'webgpu' });
      const out = await call(page, 'loseDevice', 'lost', 'sdedit_img2img', 'sdedit', 2);
      expect(out.error).toMatchObject({ name: 'GpuRuntimeError', code: 'RUNTIME', canRetryOnWasm: true });
      expect(out.error?.message).toMatch(/GPU stopped working/);
      expect(out.backendAfter).toBe('wasm');
      expect(out.retried?.maxDiff).toBeLessThan(1e-4);
      await call(page, 'close', 'lost');
    });
  });
});
