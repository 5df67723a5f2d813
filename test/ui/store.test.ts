/** The panel store: runs, progress, cancel, errors, history, restore. */
import { describe, expect, it } from 'vitest';
import type { EditMeta } from '../../core/editor';
import { createRgba } from '../../core/image';
import { defaultParams } from '../../plugins/ui/params';
import { initialState, isBusy, panelReducer, startParams, type PanelAction, type PanelState } from '../../plugins/ui/store';

const reduce = (s: PanelState, ...actions: PanelAction[]): PanelState => actions.reduce(panelReducer, s);

describe('panel store', () => {
  it('follows a run from start to done, through phases, steps and previews', () => {
    let s = initialState({ operation: 'inpaint', prompt: 'fox', seed: 1 });
    const params = startParams(s, () => 42);
    expect(params.seed).toBe(42);
    s = reduce(s, { type: 'run-start', operation: 'inpaint', params });
    expect(isBusy(s)).toBe(true);
    expect(s.params.seed).toBe(42);
    s = reduce(
      s,
      { type: 'progress', event: { type: 'phase', phase: 'encode-text' } },
      { type: 'progress', event: { type: 'step', step: 3, total: 10, elapsedMs: 300, etaMs: 700 } },
      { type: 'progress', event: { type: 'preview', step: 3, total: 10, images: [createRgba(8, 8)] } },
    );
    expect(s.run).toMatchObject({ status: 'running', phase: 'denoise', step: 3, total: 10, etaMs: 700 });
    expect(s.run.status === 'running' && s.run.preview?.width).toBe(8);
    const images = [createRgba(4, 4), createRgba(4, 4)];
    s = reduce(s, { type: 'run-done', entry: { operation: 'inpaint', params, images, warnings: ['w'], ms: 1234, time: 0, model: 'tiny' } });
    expect(isBusy(s)).toBe(false);
    expect(s.run).toEqual({ status: 'done', operation: 'inpaint', warnings: ['w'], ms: 1234 });
    expect(s.history).toHaveLength(1);
    expect(s.results).toEqual({ count: 2, selected: 0, view: 'after', entryId: s.history[0]!.id });
    // progress after the end is ignored
    expect(reduce(s, { type: 'progress', event: { type: 'phase', phase: 'decode' } })).toBe(s);
  });

  it('DiffEdit: steps of the mask and inversion stages keep their phase, then count as denoising', () => {
    let s = reduce(initialState({ operation: 'diffedit' }), { type: 'run-start', operation: 'diffedit' });
    const step = (n: number): PanelAction => ({ type: 'progress', event: { type: 'step', step: n, total: 4, elapsedMs: n, etaMs: 4 - n } });
    s = reduce(s, { type: 'progress', event: { type: 'phase', phase: 'generate-mask' } }, step(2));
    expect(s.run).toMatchObject({ phase: 'generate-mask', step: 2, total: 4 });
    s = reduce(s, { type: 'progress', event: { type: 'phase', phase: 'invert' } }, step(1));
    expect(s.run).toMatchObject({ phase: 'invert', step: 1 });
    s = reduce(s, { type: 'progress', event: { type: 'phase', phase: 'denoise' } }, step(3));
    expect(s.run).toMatchObject({ phase: 'denoise', step: 3 });
  });

  it('goes through cancelling to cancelled, and reports errors', () => {
    let s = reduce(initialState(), { type: 'run-start', operation: 'sdedit' }, { type: 'cancel-requested' });
    expect(s.run.status).toBe('cancelling');
    expect(isBusy(s)).toBe(true);
    s = reduce(s, { type: 'run-cancelled' });
    expect(s.run).toEqual({ status: 'cancelled', operation: 'sdedit' });
    expect(reduce(s, { type: 'cancel-requested' })).toBe(s);
    s = reduce(s, { type: 'run-start', operation: 'inpaint' }, { type: 'run-failed', message: 'bad model' });
    expect(s.run).toEqual({ status: 'error', operation: 'inpaint', message: 'bad model' });
  });

  it('keeps a bounded history, newest first, and restores an entry’s parameters', () => {
    let s = initialState({}, 2);
    const meta = (seed: number) => ({ params: { ...defaultParams('sdedit', seed), eta: 0, seed, scheduler: 'ddim' } }) as unknown as EditMeta;
    for (const seed of [1, 2, 3]) {
      s = reduce(s, {
        type: 'run-done',
        entry: { operation: 'sdedit', params: defaultParams('sdedit', seed), images: [createRgba(2, 2)], meta: meta(seed), warnings: [], ms: 1, time: seed, model: 'm' },
      });
    }
    expect(s.history.map((h) => h.params.seed)).toEqual([3, 2]);
    s = reduce(s, { type: 'set', patch: { prompt: 'changed', seed: 77 } }, { type: 'operation', operation: 'inpaint' });
    s = reduce(s, { type: 'restore', id: s.history[1]!.id });
    expect(s.params).toMatchObject({ operation: 'sdedit', seed: 2, seedLocked: true, scheduler: 'ddim', prompt: '' });
    s = reduce(s, { type: 'forget', id: s.history[0]!.id });
    expect(s.history).toHaveLength(1);
    expect(reduce(s, { type: 'restore', id: -5 })).toBe(s);
    expect(reduce(s, { type: 'clear-history' }).history).toEqual([]);
  });

  it('sets parameters, switches edits and randomizes the seed', () => {
    let s = initialState({ seed: 3 });
    s = reduce(s, { type: 'set', patch: { steps: 5 } }, { type: 'operation', operation: 'sdedit' }, { type: 'randomize-seed', seed: 11 });
    expect(s.params).toMatchObject({ steps: 5, operation: 'sdedit', strength: 0.6, seed: 11 });
  });
});
