/**
 * Live mode on the two graph families made for fast web runtimes, with real
 * ONNX Runtime sessions: static-shape exports (batch 1, 64x64 px, 77 tokens:
 * variants/static-b1, as WebNN exports are) and symbolic exports with their
 * dims pinned per session (freeDimensionOverrides, the default runtime).
 *
 * Each live result equals the normal edit of the same state and seed exactly
 * (one code path), Keep equals it too, and a stream of updates at one size
 * creates each session once: no session is re-created per stroke.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Editor, type EditResult } from '../../core/editor';
import type { Mask, RgbaImage } from '../../core/image';
import type { LiveResult, LiveSession } from '../../core/live';
import { loadModelRepo } from '../../core/models';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import type { ModelSession } from '../../core/runtime';
import type { Operation } from '../../core/pipelines/request';
import { countingRuntime, FIXTURES, TINY } from '../runtime/helpers';

function picture(width: number, height: number, shift: number): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i++) data[i] = i % 4 === 3 ? 255 : ((i * 2654435761) >>> 24) ^ shift;
  return { width, height, data };
}

function square(width: number, height: number, x0: number): Mask {
  const data = new Float32Array(width * height);
  for (let y = 16; y < 40; y++) data.fill(1, y * width + x0, y * width + x0 + 24);
  return { width, height, data };
}

function next(live: LiveSession): Promise<LiveResult> {
  return new Promise((resolve, reject) => {
    const offResult = live.on('result', (r) => {
      if (r.version !== live.version) return; // an older state finishing
      offResult();
      offError();
      resolve(r);
    });
    const offError = live.on('error', reject);
  });
}

const same = (a: RgbaImage, b: RgbaImage): boolean => a.width === b.width && a.height === b.height && Buffer.from(a.data).equals(Buffer.from(b.data));

const CASES: { name: string; dir: string; operation: Operation; masked: boolean; pinned: boolean }[] = [
  { name: 'static-b1 sd (sdedit)', dir: `${FIXTURES}variants/static-b1/sd`, operation: 'sdedit', masked: false, pinned: false },
  { name: 'static-b1 sd-inpaint (inpaint)', dir: `${FIXTURES}variants/static-b1/sd-inpaint`, operation: 'inpaint', masked: true, pinned: false },
  { name: 'symbolic sd, dims pinned (sdedit)', dir: `${TINY}sd`, operation: 'sdedit', masked: false, pinned: true },
  { name: 'symbolic sd-inpaint, dims pinned (inpaint)', dir: `${TINY}sd-inpaint`, operation: 'inpaint', masked: true, pinned: true },
];

const editors: Editor[] = [];
afterAll(async () => {
  await Promise.all(editors.map((e) => e.dispose()));
});

describe.each(CASES)('live mode on $name', ({ dir, operation, masked, pinned }) => {
  it('each live result is the normal edit of that state; Keep too; sessions are made once', async () => {
    const made: { name: string; session: ModelSession }[] = [];
    const editor = new Editor(await loadModelRepo(new NodeFolderSource(dir)), countingRuntime(made));
    editors.push(editor);
    // Classifier-free guidance (batch 2): static batch-1 graphs run it as two batch-1 calls.
    const params = { prompt: 'a red fox', steps: 2, guidance: 7.5, ...(operation === 'sdedit' ? { strength: 0.6 } : {}), maskBlur: 0 };
    const live = editor.live({ operation, ...params, seed: 11, fast: false });
    const states = [0, 1, 2].map((i) => ({ image: picture(64, 64, i * 40), ...(masked ? { mask: square(64, 64, 8 + i * 12) } : {}) }));
    const results: LiveResult[] = [];
    for (const s of states) {
      const done = next(live);
      live.update(s.image, s.mask);
      results.push(await done);
    }
    expect(live.stats).toMatchObject({ updates: 3, runsStarted: 3, runsCompleted: 3, runsFailed: 0 });
    // One session per model: a stroke never re-creates (or re-pins) a session.
    expect(made.map((m) => m.name).sort()).toEqual(['text_encoder', 'unet', 'vae_decoder', 'vae_encoder']);
    const unet = made.find((m) => m.name === 'unet')!.session;
    if (pinned) expect(Object.keys(unet.pinnedDims).length).toBeGreaterThan(0);
    else expect(unet.pinnedDims).toEqual({});

    const normal = async (s: (typeof states)[number]): Promise<EditResult> =>
      editor.edit(operation, { ...params, image: s.image, ...(s.mask ? { mask: s.mask } : {}), seed: 11, count: 1 });
    for (let i = 0; i < states.length; i++) {
      expect(results[i]!.image.width).toBe(64);
      expect(same(results[i]!.image, (await normal(states[i]!)).images[0]!)).toBe(true);
    }
    // Different strokes give different results (the session is not showing a stale state).
    expect(same(results[0]!.image, results[2]!.image)).toBe(false);
    const kept = await live.keep();
    expect(same(kept.images[0]!, results[2]!.image)).toBe(true);
    expect(made).toHaveLength(4);
    live.close();
  }, 120_000);
});
