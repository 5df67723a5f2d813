/**
 * Step counts as the user set them: "Steps 20" reads "Step 1 of 20" whatever
 * the scheduler evaluates, a strength below 1 counts only the steps that run,
 * and the time left follows the measured step times. Real ONNX Runtime
 * sessions on the fixture models, plus the counter on its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEditor, type Editor } from '../../core/editor';
import type { EditProgress } from '../../core/jobs/progress';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { countSteps, StepProgress } from '../../core/pipelines/step-progress';
import { FIXTURES } from './golden';

let editor: Editor;
beforeAll(async () => {
  editor = await createEditor({ model: new NodeFolderSource(`${FIXTURES}/sd`) });
});
afterAll(async () => {
  await editor.dispose();
});

const image = { width: 64, height: 64, data: new Uint8ClampedArray(64 * 64 * 4).fill(128) };

async function stepEvents(scheduler: 'pndm' | 'ddim', steps: number, strength: number) {
  const events: Extract<EditProgress, { type: 'step' }>[] = [];
  const result = await editor.edit('sdedit', {
    image,
    prompt: 'a red fox',
    steps,
    strength,
    scheduler,
    seed: 1,
    onProgress: (e) => {
      if (e.type === 'step') events.push(e);
    },
  });
  return { events, evaluations: result.timings.stepMs.length };
}

describe('step counts', () => {
  it('PNDM with 20 steps runs 21 UNet evaluations and reports Step 1..20 of 20', async () => {
    const { events, evaluations } = await stepEvents('pndm', 20, 1);
    expect(evaluations).toBe(21);
    expect(events.map((e) => e.step)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(events.every((e) => e.total === 20)).toBe(true);
  });

  it('a strength below 1 counts only the executed steps (DDIM, 20 steps at 0.5: 10)', async () => {
    const { events, evaluations } = await stepEvents('ddim', 20, 0.5);
    expect(evaluations).toBe(10);
    expect(events.map((e) => `${e.step}/${e.total}`)).toEqual(Array.from({ length: 10 }, (_, i) => `${i + 1}/10`));
  });

  it('PNDM cut by strength past its repeated timestep counts every evaluation it runs', async () => {
    const { events, evaluations } = await stepEvents('pndm', 10, 0.5);
    expect(events.length).toBe(evaluations);
    expect(events.at(-1)).toMatchObject({ step: evaluations, total: evaluations, etaMs: 0 });
  });

  it('countSteps folds runs of a repeated timestep into one step', () => {
    expect(countSteps([951, 901, 901, 851])).toBe(3);
    expect(countSteps([500])).toBe(1);
    expect(countSteps([])).toBe(0);
  });
});

describe('time left', () => {
  it('follows the recent step times, not the mean since the start', () => {
    const events: EditProgress[] = [];
    const p = new StepProgress([9, 8, 7, 6, 5, 4, 3, 2, 1, 0], (e) => events.push(e), { started: 0 });
    // A slow first step (warm-up), then steady 100 ms steps.
    const times = [5000, 5100, 5200, 5300, 5400, 5500];
    times.forEach((t, i) => p.evaluated(i, t));
    const last = events.at(-1) as Extract<EditProgress, { type: 'step' }>;
    expect(last.step).toBe(6);
    expect(last.etaMs).toBeCloseTo(4 * 100, 6);
  });

  it('a queued GPU loop reports no time left until a step was measured', () => {
    const events: Extract<EditProgress, { type: 'step' }>[] = [];
    const p = new StepProgress([3, 2, 1, 0], (e) => e.type === 'step' && events.push(e), { started: 0, settleSteps: 2 });
    // Steps 1 and 2 only get submitted (1 ms each); step 3 waits for step 1's work (2 s).
    [1, 2, 2002, 4002].forEach((t, i) => p.evaluated(i, t));
    expect(events.map((e) => e.etaMs)).toEqual([NaN, NaN, 2000, 0]);
  });
});
