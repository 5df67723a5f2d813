/**
 * The worker protocol end to end in Node: the engine on one end of a
 * MessageChannel (WASM, models from the fixture folders), the client on the
 * other. Same messages and transfers as a real Worker; the browser suite
 * (browser.test.ts) runs the real thing in Chromium.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryCache, type DownloadProgress, type ModelManifest } from '../../core/delivery';
import { CancelledError } from '../../core/errors';
import { WorkerEngine } from '../../core/jobs/engine';
import { createWorkerEditor, type WorkerEditor, type WorkerLike } from '../../core/jobs/client';
import type { EditProgress } from '../../core/jobs/progress';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { caseImage, caseMask, caseNoise, caseOutput, loadCase, maxAbsDiff } from '../pipelines/golden';

/** A Worker stand-in: the client's end of a MessageChannel whose other end runs the engine. */
function channelWorker(): WorkerLike {
  const { port1, port2 } = new MessageChannel();
  const asEndpoint = (port: MessagePort) => {
    const p = port as unknown as WorkerLike & { start(): void };
    p.start();
    return p;
  };
  new WorkerEngine(asEndpoint(port2), {
    openSource: (m) => {
      if (!('url' in m)) throw new Error('only { url } in this test');
      return new NodeFolderSource(m.url);
    },
    probe: async () => ({ ok: false, reason: 'Node has no WebGPU' }),
  });
  const client = asEndpoint(port1);
  return Object.assign(client, {
    terminate: () => {
      port1.close();
    },
  });
}

const editors: WorkerEditor[] = [];
afterAll(async () => {
  await Promise.all(editors.map((e) => e.dispose()));
});

async function editorFor(dir: string): Promise<WorkerEditor> {
  const editor = await createWorkerEditor({ worker: channelWorker, model: { url: dir } });
  editors.push(editor);
  return editor;
}

describe('worker protocol (MessageChannel, WASM)', () => {
  it('reports the backend with its reason, and the operations', async () => {
    const c = loadCase('sdedit_img2img', 'sdedit');
    const editor = await editorFor(c.modelDir);
    expect(editor.backend.backend).toBe('wasm');
    expect(editor.backend.reason).toMatch(/Node has no WebGPU/);
    expect(editor.operations).toEqual(['mask-edit', 'sdedit', 'diffedit']);
  });

  it('reproduces the SDEdit golden case through messages, with progress and previews', async () => {
    const c = loadCase('sdedit_img2img', 'sdedit');
    const editor = await editorFor(c.modelDir);
    const p = c.json.params;
    const events: EditProgress[] = [];
    const image = caseImage(c);
    const before = image.data.slice();
    const result = await editor.edit('sdedit', {
      image,
      prompt: c.json.prompt,
      negativePrompt: c.json.negative_prompt,
      steps: p.num_inference_steps,
      strength: p.strength,
      guidance: p.guidance_scale,
      scheduler: 'ddim',
      noise: await caseNoise(c),
      onProgress: (e) => events.push(e),
      previewEvery: 3,
    });
    expect(maxAbsDiff(result.raw, caseOutput(c))).toBeLessThan(2e-3);
    expect(result.noiseRemaining).toBe(0);
    expect(result.timings.loop?.where).toBe('cpu');
    // The caller's image is copied, not transferred.
    expect(image.data).toEqual(before);
    const steps = events.filter((e) => e.type === 'step');
    expect(steps.map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6]);
    const previews = events.filter((e) => e.type === 'preview');
    expect(previews.map((e) => e.step)).toEqual([3, 6]);
    expect(previews[0]!.type === 'preview' && previews[0]!.images[0]!.width).toBe(8);
    expect(events.filter((e) => e.type === 'phase').map((e) => (e.type === 'phase' ? e.phase : ''))).toEqual([
      'encode-text',
      'encode-image',
      'decode',
      'composite',
    ]);
  });

  it('cancels a running edit within a step, then runs the next one', async () => {
    const c = loadCase('inpaint_4ch_legacy', 'mask-edit');
    const editor = await editorFor(c.modelDir);
    const controller = new AbortController();
    const request = { image: caseImage(c), mask: caseMask(c), prompt: 'a fox', steps: 20, strength: 1, seed: 3 };
    let stepsSeen = 0;
    const run = editor.edit('mask-edit', {
      ...request,
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === 'step' && ++stepsSeen === 2) controller.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(stepsSeen).toBeLessThanOrEqual(3);
    const ok = await editor.edit('mask-edit', { ...request, steps: 2 });
    expect(ok.images[0]!.width).toBe(64);
    expect((await editor.stats()).activeJobs).toBe(0);
  });

  it('rejects with typed errors', async () => {
    const c = loadCase('sdedit_img2img', 'sdedit');
    const editor = await editorFor(c.modelDir);
    await expect(editor.edit('inpaint', { image: caseImage(c), mask: caseMask(loadCase('inpaint_9ch', 'inpaint')), prompt: 'x' })).rejects.toMatchObject({
      code: 'WRONG_MODEL_KIND',
      name: 'WrongModelKindError',
    });
    await expect(createWorkerEditor({ worker: channelWorker, model: { url: '/nonexistent/model' } })).rejects.toMatchObject({ code: 'MODEL_FORMAT' });
  });

  it('loads a manifest through core/delivery in the worker, forwarding download progress', async () => {
    const c = loadCase('sdedit_img2img', 'sdedit');
    const walk = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
    const files = walk(c.modelDir).map((f) => ({ path: relative(c.modelDir, f).replace(/\\/g, '/'), size: statSync(f).size }));
    const manifest: ModelManifest = { id: 'fixture-sdedit', revision: 'test', baseUrl: 'https://models.test/sdedit/', files };
    const fetched: string[] = [];
    const fetch = async (url: string): Promise<Response> => {
      fetched.push(url);
      return new Response(readFileSync(join(c.modelDir, decodeURIComponent(new URL(url).pathname.slice('/sdedit/'.length)))));
    };
    const { port1, port2 } = new MessageChannel();
    port1.start();
    port2.start();
    new WorkerEngine(port2 as unknown as WorkerLike, {
      delivery: { cache: new MemoryCache(), fetch, storage: null },
      probe: async () => ({ ok: false, reason: 'Node has no WebGPU' }),
    });
    const events: DownloadProgress[] = [];
    const worker = Object.assign(port1 as unknown as WorkerLike, { terminate: () => port1.close() });
    const editor = await createWorkerEditor({ worker, model: { manifest }, onDownloadProgress: (p) => events.push(p) });
    editors.push(editor);
    expect(editor.operations).toEqual(['mask-edit', 'sdedit', 'diffedit']);
    expect(fetched.length).toBe(files.length);
    expect(events.at(-1)).toMatchObject({ status: 'ready', model: 'fixture-sdedit' });
    expect(events.some((e) => e.status === 'progress' && e.totalBytes > 0)).toBe(true);
    const result = await editor.edit('sdedit', { image: caseImage(c), prompt: 'a fox', steps: 2, strength: 0.5, seed: 1 });
    expect(result.images[0]!.width).toBe(caseImage(c).width);
  });
});
