/**
 * The browser runtime in Debian's Chromium: the engine in a module Worker
 * behind the typed protocol on WASM, against the diffusers golden cases, and
 * the fallback when WebGPU is missing. The WebGPU runs (SwiftShader: about a
 * minute per case) are in `webgpu.slow.test.ts`, run by `npm run test:slow`.
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

  describe('fallback and failures', () => {
    it('falls back to WASM when the browser has no WebGPU, and says why', async () => {
      const info = await call(page, 'open', 'nogpu', { model: 'sd', nogpu: true });
      expect(info.backend.backend).toBe('wasm');
      expect(info.backend.reason).toMatch(/because this browser has no WebGPU/);
      const run = await call(page, 'golden', 'nogpu', 'sdedit_img2img', 'sdedit');
      expect(run.maxDiff).toBeLessThan(1e-4);
      await call(page, 'close', 'nogpu');
    });

    it('refuses a forced WebGPU backend without WebGPU with a clear error', async () => {
      await expect(call(page, 'open', 'nogpu-forced', { model: 'sd', nogpu: true, backend: 'webgpu' })).rejects.toThrow(
        /WebGPU was requested, but this browser has no WebGPU/,
      );
    });
  });
});
