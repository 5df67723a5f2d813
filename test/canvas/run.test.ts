/**
 * Running edits on a CanvasDocument with a stand-in engine: what the engine
 * receives, where the images go, and that failures and cancels leave the
 * document as it was.
 */
import { describe, expect, it } from 'vitest';
import { CanvasDocument } from '../../adapters/canvas/document';
import type { EditEngine } from '../../adapters/canvas/engine';
import { anySignal, buildRequest, isCancelled, runOnDocument } from '../../adapters/canvas/run';
import type { EditResult } from '../../core/editor';
import { CancelledError, StippleError } from '../../core/errors';
import { createRgba, InvalidInputError } from '../../core/image';
import type { EditProgress } from '../../core/jobs/progress';
import type { EditRequest, Operation } from '../../core/pipelines/request';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEditor } from '../../core/editor';
import { decodePng } from '../../core/image/png-node';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { FIXTURES } from '../pipelines/golden';

/** Inverts the image under the mask, one fake "step" at a time, honouring the signal. */
function fakeEngine(steps = 3): EditEngine & { requests: EditRequest[] } {
  const requests: EditRequest[] = [];
  return {
    requests,
    operations: ['inpaint'],
    async edit(operation: Operation, req: EditRequest): Promise<EditResult> {
      requests.push(req);
      for (let s = 1; s <= steps; s++) {
        await new Promise((r) => setTimeout(r, 1));
        if (req.signal?.aborted) throw new CancelledError();
        req.onProgress?.({ type: 'step', step: s, total: steps, elapsedMs: s, etaMs: steps - s });
      }
      const out = { ...req.image, data: new Uint8ClampedArray(req.image.data) };
      for (let i = 0; i < out.width * out.height; i++) if ((req.mask?.data[i] ?? 1) > 0) out.data[i * 4] = 255 - out.data[i * 4]!;
      return { images: [out], raw: new Float32Array(0), warnings: [], timings: { unetMs: [], stepMs: [] }, meta: { operation } as EditResult['meta'] };
    },
    dispose() {},
  };
}

const doc = (): CanvasDocument => new CanvasDocument(createRgba(8, 8, [100, 50, 25, 255]));

describe('buildRequest', () => {
  it('sends the document image and mask; the mask only when painted for sdedit/pix2pix', () => {
    const d = doc();
    const r = buildRequest(d, 'inpaint', { prompt: 'x', steps: 3 });
    expect(r.image.data).toEqual(d.image.data);
    expect(r.image.data).not.toBe(d.image.data); // a copy: the engine may transfer it
    expect(r.mask!.data.length).toBe(64);
    expect(r.steps).toBe(3);
    expect(buildRequest(d, 'sdedit', { prompt: 'x' }).mask).toBeUndefined();
    d.paintRect({ x: 0, y: 0 }, { x: 2, y: 2 });
    expect(buildRequest(d, 'pix2pix', { prompt: 'x' }).mask!.data[0]).toBe(1);
    expect(buildRequest(d, 'inpaint', { prompt: 'x', mask: null }).mask).toBeUndefined();
    const own = { width: 8, height: 8, data: new Float32Array(64) };
    expect(buildRequest(d, 'inpaint', { prompt: 'x', mask: own }).mask).toBe(own);
  });
});

describe('runOnDocument', () => {
  it('puts the images into pending results and forwards progress', async () => {
    const d = doc();
    d.paintRect({ x: 0, y: 0 }, { x: 4, y: 8 });
    const engine = fakeEngine();
    const events: EditProgress[] = [];
    const own: EditProgress[] = [];
    const result = await runOnDocument(d, engine, 'inpaint', { prompt: 'p', onProgress: (e) => own.push(e) }, (e) => events.push(e));
    expect(events.map((e) => e.type === 'step' && e.step)).toEqual([1, 2, 3]);
    expect(own.length).toBe(3);
    expect(d.results!.images[0]).toBe(result.images[0]);
    expect(d.results!.operation).toBe('inpaint');
    expect(d.displayed.data[0]).toBe(155);
    expect(d.displayed.data[4 * 7]).toBe(100); // outside the mask
    expect(d.image).toBe(d.original);
  });

  it('leaves the document unchanged on cancel and on errors', async () => {
    const d = doc();
    d.fillMask();
    const controller = new AbortController();
    const engine = fakeEngine(50);
    const run = runOnDocument(d, engine, 'inpaint', { prompt: 'p', signal: controller.signal }, (e) => {
      if (e.type === 'step' && e.step === 2) controller.abort();
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(d.results).toBeNull();
    expect(d.history.length).toBe(1);

    const failing: EditEngine = { operations: [], edit: () => Promise.reject(new InvalidInputError('bad')), dispose() {} };
    await expect(runOnDocument(d, failing, 'inpaint', { prompt: 'p' })).rejects.toThrow('bad');
    expect(d.results).toBeNull();

    const aborted = AbortSignal.abort();
    await expect(runOnDocument(d, engine, 'inpaint', { prompt: 'p', signal: aborted })).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('DiffEdit on a document (tiny model)', () => {
  it('the generated mask becomes the canvas mask, undoably, and the next run sends it back instead of generating one', async () => {
    const image = decodePng(readFileSync(join(FIXTURES, 'golden-diffedit', 'diffedit_basic_ratio2', 'input.png')));
    const d = new CanvasDocument(image);
    const editor = await createEditor({ model: new NodeFolderSource(join(FIXTURES, 'sd')) });
    try {
      const request = { prompt: 'a bowl of pears', steps: 3, seed: 2, diffedit: { sourcePrompt: 'a bowl of fruit', maskMaps: 2, maskThreshold: 1.2 } };
      const first = await runOnDocument(d, editor, 'diffedit', request);
      expect(first.diffedit!.generated).toBe(true);
      expect(Array.from(d.mask.data)).toEqual(Array.from(first.diffedit!.imageMask.data));
      expect(d.results!.operation).toBe('diffedit');
      const second = await runOnDocument(d, editor, 'diffedit', request);
      expect(second.diffedit!.generated).toBe(false);
      expect(Array.from(second.diffedit!.mask)).toEqual(Array.from(first.diffedit!.mask));
      expect(d.undo()).toBe(true);
      expect(d.mask.data.every((v) => v === 0)).toBe(true);
    } finally {
      await editor.dispose();
    }
  });
});

describe('helpers', () => {
  it('recognises cancellation', () => {
    expect(isCancelled(new CancelledError())).toBe(true);
    expect(isCancelled(new StippleError('CANCELLED', 'x'))).toBe(true);
    expect(isCancelled({ code: 'CANCELLED', message: 'from a worker' })).toBe(true);
    expect(isCancelled(new InvalidInputError('x'))).toBe(false);
    expect(isCancelled(undefined)).toBe(false);
  });

  it('combines abort signals', () => {
    const a = new AbortController();
    const b = new AbortController();
    const s = anySignal([a.signal, undefined, b.signal]);
    expect(s.aborted).toBe(false);
    b.abort('why');
    expect(s.aborted).toBe(true);
    expect(s.reason).toBe('why');
    expect(anySignal([AbortSignal.abort()]).aborted).toBe(true);
  });
});
