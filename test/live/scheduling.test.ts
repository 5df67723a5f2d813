/**
 * The live session's scheduling rules, on a fake clock (vitest fake timers)
 * and a fake engine whose runs finish when the test says so.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EditResult } from '../../core/editor';
import { CancelledError } from '../../core/errors';
import { InvalidInputError, type RgbaImage } from '../../core/image';
import type { EditorLike } from '../../core/jobs/client';
import { startLive, type LiveResult, type LiveState } from '../../core/live';
import type { EditRequest, Operation } from '../../core/pipelines/request';

interface FakeRun {
  request: EditRequest;
  finish(): void;
  fail(error: unknown): void;
}

/** An engine whose edits wait for `finish()`; an abort rejects with CancelledError, as the real engines do. */
class FakeEngine implements EditorLike {
  readonly operations: Operation[] = ['sdedit', 'mask-edit'];
  readonly runs: FakeRun[] = [];
  running = 0;
  maxRunning = 0;

  edit(_operation: Operation, request: EditRequest): Promise<EditResult> {
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    return new Promise<EditResult>((resolve, reject) => {
      const done = (): void => {
        this.running--;
      };
      request.signal?.addEventListener('abort', () => {
        done();
        reject(new CancelledError());
      });
      this.runs.push({
        request,
        finish: () => {
          done();
          resolve(fakeResult(request.image));
        },
        fail: (error) => {
          done();
          reject(error);
        },
      });
    });
  }

  async dispose(): Promise<void> {}

  last(): FakeRun {
    return this.runs[this.runs.length - 1]!;
  }
}

function fakeResult(image: RgbaImage): EditResult {
  return { images: [image], raw: new Float32Array(0), warnings: [], timings: { unetMs: [], stepMs: [] } } as unknown as EditResult;
}

function image(value: number): RgbaImage {
  return { width: 2, height: 2, data: new Uint8ClampedArray(16).fill(value) };
}

/** Lets promise callbacks run (fake timers do not touch microtasks). */
const settle = async (): Promise<void> => {
  await vi.advanceTimersByTimeAsync(0);
};

describe('live session scheduling', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function session(engine: FakeEngine, debounceMs = 100) {
    const live = startLive(engine, { operation: 'sdedit', prompt: 'a fox', steps: 2, strength: 0.5, debounceMs, typingDebounceMs: 300 });
    const results: LiveResult[] = [];
    const states: LiveState[] = [];
    live.on('result', (r) => results.push(r));
    live.on('state', (s) => states.push(s));
    return { live, results, states };
  }

  it('waits for the debounce, then runs once with the latest state', async () => {
    const engine = new FakeEngine();
    const { live } = session(engine);
    live.update(image(1));
    await vi.advanceTimersByTimeAsync(60);
    live.update(image(2));
    await vi.advanceTimersByTimeAsync(99);
    expect(engine.runs).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(engine.runs).toHaveLength(1);
    expect(engine.last().request.image.data[0]).toBe(2);
  });

  it('keeps one run in flight and one pending state: updates replace it, never queue', async () => {
    const engine = new FakeEngine();
    const { live, results } = session(engine, 0);
    live.update(image(1));
    await settle();
    expect(engine.runs).toHaveLength(1);
    for (let v = 2; v <= 10; v++) {
      live.update(image(v));
      await vi.advanceTimersByTimeAsync(50);
    }
    // Nine updates arrived while the first run was busy: none started.
    expect(engine.runs).toHaveLength(1);
    expect(engine.maxRunning).toBe(1);
    engine.runs[0]!.finish();
    await settle();
    // The first run was not cancelled (same prompt): it is shown, marked stale.
    expect(results.map((r) => [r.image.data[0], r.stale])).toEqual([[1, true]]);
    // Then exactly one run, of the latest state.
    expect(engine.runs).toHaveLength(2);
    expect(engine.last().request.image.data[0]).toBe(10);
    engine.last().finish();
    await settle();
    expect(engine.runs).toHaveLength(2);
    expect(results.map((r) => r.image.data[0])).toEqual([1, 10]);
    expect(live.stats).toMatchObject({ updates: 10, runsStarted: 2, runsCompleted: 2, runsCancelled: 0 });
  });

  it('20 updates 50 ms apart start at most 2 runs after the last update', async () => {
    const engine = new FakeEngine();
    const { live } = session(engine, 0);
    // Each run takes 120 ms of the fake clock.
    const busy = setInterval(() => engine.runs.filter((r) => !('done' in r)).forEach((r) => {
      Object.assign(r, { done: true });
      r.finish();
    }), 120);
    for (let v = 1; v <= 20; v++) {
      live.update(image(v));
      await vi.advanceTimersByTimeAsync(50);
    }
    const before = engine.runs.length;
    await vi.advanceTimersByTimeAsync(1000);
    clearInterval(busy);
    expect(engine.runs.length - before).toBeLessThanOrEqual(2);
    expect(engine.last().request.image.data[0]).toBe(20);
    expect(engine.maxRunning).toBe(1);
    expect(live.state).toBe('up to date');
  });

  it('a prompt change cancels the run in flight and runs after a pause in typing', async () => {
    const engine = new FakeEngine();
    const { live, results } = session(engine, 0);
    live.update(image(1));
    await settle();
    const first = engine.runs[0]!;
    live.setPrompt('a red f');
    expect(first.request.signal!.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(100);
    live.setPrompt('a red fox');
    await vi.advanceTimersByTimeAsync(299);
    expect(engine.runs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(engine.runs).toHaveLength(2);
    expect(engine.last().request.prompt).toBe('a red fox');
    engine.last().finish();
    await settle();
    expect(results).toHaveLength(1);
    expect(live.stats.runsCancelled).toBe(1);
  });

  it('a change of strength or steps lets the run in flight finish and show', async () => {
    const engine = new FakeEngine();
    const { live, results } = session(engine, 0);
    live.update(image(1));
    await settle();
    live.setParams({ strength: 0.8, steps: 3 });
    expect(engine.runs[0]!.request.signal!.aborted).toBe(false);
    engine.runs[0]!.finish();
    await settle();
    expect(results).toHaveLength(1);
    expect(engine.last().request).toMatchObject({ strength: 0.8, steps: 3 });
  });

  it('a new engine (another model) cancels the run in flight', async () => {
    const engine = new FakeEngine();
    const other = new FakeEngine();
    const { live } = session(engine, 0);
    live.update(image(1));
    await settle();
    live.setEngine(other);
    expect(engine.runs[0]!.request.signal!.aborted).toBe(true);
    await settle();
    expect(other.runs).toHaveLength(1);
  });

  it('fixes the seed for the session and asks for the fast autoencoder', async () => {
    const engine = new FakeEngine();
    const { live } = session(engine, 0);
    for (let v = 1; v <= 3; v++) {
      live.update(image(v));
      await settle();
      engine.last().finish();
      await settle();
    }
    const seeds = new Set(engine.runs.map((r) => r.request.seed));
    expect(seeds.size).toBe(1);
    expect(seeds.has(live.seed)).toBe(true);
    expect(engine.runs.every((r) => r.request.vae === 'fast' && r.request.count === 1)).toBe(true);
  });

  it("reports 'updating' while a run or a newer state waits, 'up to date' once the latest is shown", async () => {
    const engine = new FakeEngine();
    const { live, states } = session(engine, 0);
    expect(live.state).toBe('idle');
    live.update(image(1));
    expect(live.state).toBe('updating');
    await settle();
    engine.last().finish();
    await settle();
    expect(live.state).toBe('up to date');
    expect(states).toEqual(['updating', 'up to date']);
  });

  it('keep() runs the latest state with the full VAE, cancelling what is live', async () => {
    const engine = new FakeEngine();
    const { live, results } = session(engine, 0);
    live.update(image(1));
    await settle();
    live.update(image(2));
    const kept = live.keep({ steps: 8 });
    await settle();
    expect(engine.runs[0]!.request.signal!.aborted).toBe(true);
    const keepRun = engine.last();
    expect(keepRun.request).toMatchObject({ vae: 'full', steps: 8, seed: live.seed });
    expect(keepRun.request.image.data[0]).toBe(2);
    expect(live.state).toBe('updating');
    keepRun.finish();
    const result = await kept;
    expect(result.images[0]!.data[0]).toBe(2);
    await vi.advanceTimersByTimeAsync(1000);
    // The pending state was what Keep rendered: no live run follows.
    expect(engine.runs).toHaveLength(2);
    expect(results).toHaveLength(0);
  });

  it('an engine error is reported once and the next update recovers', async () => {
    const engine = new FakeEngine();
    const { live } = session(engine, 0);
    const errors: unknown[] = [];
    live.on('error', (e) => errors.push(e));
    live.update(image(1));
    await settle();
    engine.last().fail(new InvalidInputError('bad'));
    await settle();
    expect(live.state).toBe('error');
    expect(errors).toHaveLength(1);
    live.update(image(2));
    await settle();
    engine.last().finish();
    await settle();
    expect(live.state).toBe('up to date');
  });

  it('close() cancels the run in flight and refuses further updates', async () => {
    const engine = new FakeEngine();
    const { live, results } = session(engine, 0);
    live.update(image(1));
    await settle();
    live.close();
    expect(engine.runs[0]!.request.signal!.aborted).toBe(true);
    await settle();
    expect(results).toHaveLength(0);
    expect(live.state).toBe('closed');
    expect(() => live.update(image(2))).toThrow(InvalidInputError);
  });

  it('rejects bad input with clear errors and changes nothing', async () => {
    const engine = new FakeEngine();
    expect(() => startLive(engine, { operation: 'pix2pix', prompt: 'x' })).toThrow(/not possible with this model/);
    expect(() => startLive(engine, { operation: 'sdedit', prompt: 'x', debounceMs: -1 })).toThrow(InvalidInputError);
    const { live } = session(engine, 0);
    expect(() => live.update({ width: 2, height: 2, data: new Uint8ClampedArray(3) })).toThrow(/empty or damaged/);
    await expect(live.keep()).rejects.toThrow(/nothing to keep/);
    await settle();
    expect(engine.runs).toHaveLength(0);
    expect(live.state).toBe('idle');
  });
});
