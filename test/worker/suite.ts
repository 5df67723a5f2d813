/**
 * What the two worker browser suites (browser.test.ts on WASM in \`npm test\`,
 * webgpu.slow.test.ts on WebGPU in \`npm run test:slow\`) share.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { Operation } from '../../core/pipelines/request';
import { openWorkerPage, type WorkerPage } from './browser-setup';

/** The diffusers golden cases the worker suites run, with the fixture repo each needs. */
export const WORKER_CASES: { name: string; operation: Operation; model: string }[] = [
  { name: 'sdedit_img2img', operation: 'sdedit', model: 'sd' },
  { name: 'inpaint_9ch', operation: 'inpaint', model: 'sd-inpaint' },
  { name: 'inpaint_4ch_legacy', operation: 'mask-edit', model: 'sd' },
  { name: 'ip2p', operation: 'pix2pix', model: 'ip2p' },
];

/** Opens the worker page before the suite and closes it after; the page is read through the getter. */
export function useWorkerPage(): () => Page {
  let wp: WorkerPage | undefined;
  beforeAll(async () => {
    wp = await openWorkerPage();
  }, 60_000);
  afterAll(async () => {
    await wp?.close();
  });
  return () => wp!.page;
}
