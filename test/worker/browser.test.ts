/**
 * The browser runtime in Debian's Chromium: the engine in a module Worker
 * behind the typed protocol, falling back to WASM when WebGPU is missing
 * (checked against a diffusers golden case). Every golden case on WebGPU
 * (SwiftShader: about a minute each) and on multi-threaded WASM is in
 * `goldens.slow.test.ts`, run by `npm run test:slow`.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { call } from './browser-setup';
import { useWorkerPage } from './suite';

describe('browser runtime (Chromium, module Worker)', () => {
  const pageOf = useWorkerPage();
  let page: Page;
  beforeAll(() => {
    page = pageOf();
  });

  it('runs cross-origin isolated with WebGPU exposed', async () => {
    expect(await call(page, 'env')).toMatchObject({ crossOriginIsolated: true, webgpu: true });
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
