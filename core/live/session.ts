/**
 * Live painting: the edit follows the brush.
 *
 * A {@link LiveSession} turns a stream of canvas states into a stream of
 * results with latest-wins scheduling, as Krita AI Diffusion's live mode does:
 *
 * - at most one run in flight and one pending state; a new `update()` replaces
 *   the pending state, it never queues behind it (so fast strokes build no backlog);
 * - the run in flight is cancelled only when the new state makes its result
 *   worthless (prompt, negative prompt or engine changed); otherwise it
 *   finishes and is shown, because a slightly old result beats none;
 * - the seed is fixed for the session, so the image changes only where the
 *   user painted; the engine caches the text embeddings while the prompt is
 *   unchanged, so a stroke costs encode + steps + decode only;
 * - live runs ask the engine for its fast autoencoder (TAESD, when it has
 *   one); {@link LiveSession.keep} re-runs the latest state with the full VAE.
 *
 * It only needs {@link EditEngine}, so it runs on the in-process `Editor`
 * and on the Worker engine alike.
 *
 * @example
 * ```ts
 * const live = editor.live({ operation: 'sdedit', prompt: 'a red fox', steps: 2, strength: 0.5 });
 * live.on('result', (r) => layer.show(r.image));
 * live.on('state', (s) => badge.textContent = s);   // 'updating' | 'up to date'
 * canvas.onStrokeEnd = () => live.update(canvas.pixels());
 * const kept = await live.keep();                   // a normal EditResult, full VAE
 * ```
 */
import type { EditResult } from '../editor';
import { CancelledError } from '../errors';
import { InvalidInputError, type Mask, type RgbaImage } from '../image';
import type { EditEngine } from '../engine';
import type { EditRequest, Operation } from '../pipelines/request';
import { seedFromAny } from '../tensor';

/**
 * What a live session runs on: the edit surface of {@link EditEngine} (the
 * in-process `Editor`, the Worker engine, a canvas host's `EditEngine`).
 */
export type LiveEngine = Pick<EditEngine, 'edit'> & { readonly operations: readonly Operation[] };

/** The edit parameters a live session runs with (everything of an {@link EditRequest} but the pixels and the run's plumbing). */
export type LiveParams = Omit<EditRequest, 'image' | 'mask' | 'seed' | 'noise' | 'signal' | 'onProgress' | 'count' | 'vae'>;

/** Options of {@link startLive} (`engine.live(...)`). */
export interface LiveOptions extends LiveParams {
  operation: Operation;
  /** Fixed for the whole session (random when omitted, then kept). */
  seed?: number;
  /**
   * Quiet time after `update()` / `setParams()` before a run starts, in ms.
   * Default 0: hosts call `update()` on stroke end, which is already the pause.
   */
  debounceMs?: number;
  /** Quiet time after a prompt change before a run starts (a pause in typing), in ms. Default 300. */
  typingDebounceMs?: number;
  /** Use the engine's fast autoencoder (TAESD) for live runs when it has one. Default true. */
  fast?: boolean;
}

/** `updating`: a run is in flight or a newer state waits; `up to date`: the shown result matches the latest state. */
export type LiveState = 'idle' | 'updating' | 'up to date' | 'error' | 'closed';

/** One live result. */
export interface LiveResult {
  /** The edited image (the first of `result.images`). */
  image: RgbaImage;
  result: EditResult;
  /** Which state it shows: increases with every update and parameter change. */
  version: number;
  /** ms from the `update()` / change that made this state to this result. */
  latencyMs: number;
  /** True when a newer state is already waiting: another result follows. */
  stale: boolean;
}

/** Counters, for tests and benchmarks. */
export interface LiveStats {
  updates: number;
  runsStarted: number;
  runsCompleted: number;
  runsCancelled: number;
  runsFailed: number;
}

type Listeners = {
  result: (result: LiveResult) => void;
  state: (state: LiveState) => void;
  error: (error: unknown) => void;
};

interface Run {
  controller: AbortController;
  promptKey: string;
  engine: LiveEngine;
  done: Promise<void>;
}

/** Starts a live session on an engine; see the module notes. Same as `engine.live(options)`. */
export function startLive(engine: LiveEngine, options: LiveOptions): LiveSession {
  return new LiveSession(engine, options);
}

/** A live session; see the module notes. Create it with `engine.live(...)`. */
export class LiveSession {
  /** The seed every run of this session uses. */
  readonly seed: number;
  readonly #operation: Operation;
  readonly #debounceMs: number;
  readonly #typingDebounceMs: number;
  readonly #fast: boolean;
  readonly #listeners: { [K in keyof Listeners]: Set<Listeners[K]> } = { result: new Set(), state: new Set(), error: new Set() };
  #engine: LiveEngine;
  #params: LiveParams;
  #input: { image: RgbaImage; mask?: Mask } | undefined;
  #version = 0;
  /** performance.now() of the latest change: latency is measured from it. */
  #changedAt = 0;
  /** A state newer than the last run started is waiting. */
  #dirty = false;
  /** Its debounce has elapsed: it may start as soon as nothing is in flight. */
  #due = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Counts waits started or cleared: a due wait runs only if it is still the latest. */
  #wait = 0;
  #inFlight: Run | undefined;
  #keeping = 0;
  #state: LiveState = 'idle';
  #latest: LiveResult | undefined;
  readonly #stats: LiveStats = { updates: 0, runsStarted: 0, runsCompleted: 0, runsCancelled: 0, runsFailed: 0 };

  constructor(engine: LiveEngine, options: LiveOptions) {
    const { operation, seed, debounceMs, typingDebounceMs, fast, ...params } = options;
    if (!engine.operations.includes(operation)) {
      throw new InvalidInputError(
        `Live ${operation} is not possible with this model; it can run: ${engine.operations.join(', ') || 'nothing'}.`,
      );
    }
    for (const [name, v] of [
      ['Debounce', debounceMs],
      ['Typing debounce', typingDebounceMs],
    ] as const) {
      if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new InvalidInputError(`${name} must be 0 ms or more (got ${v}).`);
    }
    this.#engine = engine;
    this.#operation = operation;
    this.#params = params;
    this.seed = seedFromAny(seed);
    this.#debounceMs = debounceMs ?? 0;
    this.#typingDebounceMs = typingDebounceMs ?? 300;
    this.#fast = fast ?? true;
  }

  /** `idle` until the first result, then `updating` / `up to date` (or `error`, `closed`). */
  get state(): LiveState {
    return this.#state;
  }

  /** The latest state's number (see {@link LiveResult.version}): a result with it is up to date. */
  get version(): number {
    return this.#version;
  }

  /** The last result shown, if any. */
  get latest(): LiveResult | undefined {
    return this.#latest;
  }

  get stats(): Readonly<LiveStats> {
    return { ...this.#stats };
  }

  get params(): Readonly<LiveParams> {
    return this.#params;
  }

  /** Listens to results, state changes or errors; returns a function that stops listening. */
  on<K extends keyof Listeners>(type: K, listener: Listeners[K]): () => void {
    this.#listeners[type].add(listener);
    return () => this.#listeners[type].delete(listener);
  }

  /**
   * The canvas changed (call it on stroke end): runs after `debounceMs`, replacing any state still waiting.
   * The session keeps `image` and `mask` as they are (no copy) until the next update: pass copies if you
   * change them in place.
   */
  update(image: RgbaImage, mask?: Mask): void {
    this.#checkOpen();
    if (!image || !(image.width > 0) || !(image.height > 0) || image.data?.length !== image.width * image.height * 4) {
      throw new InvalidInputError('The image is empty or damaged: expected RGBA pixels of a non-empty image.');
    }
    this.#input = mask ? { image, mask } : { image };
    this.#stats.updates++;
    this.#changed(this.#debounceMs);
  }

  /** Changes the prompt: cancels the run in flight (its result would be worthless) and runs after a pause in typing. */
  setPrompt(prompt: string, negativePrompt?: string): void {
    this.setParams(negativePrompt === undefined ? { prompt } : { prompt, negativePrompt });
  }

  /**
   * Changes parameters. A prompt change cancels the run in flight; other
   * changes (strength, steps, ...) let it finish and show.
   */
  setParams(params: Partial<LiveParams>): void {
    this.#checkOpen();
    const before = promptKey(this.#params);
    this.#params = { ...this.#params, ...params };
    const promptChanged = promptKey(this.#params) !== before;
    if (promptChanged) this.#cancelInFlight();
    this.#changed(promptChanged ? this.#typingDebounceMs : this.#debounceMs);
  }

  /** Switches to another engine (another model): the run in flight is worthless and is cancelled. */
  setEngine(engine: LiveEngine): void {
    this.#checkOpen();
    this.#engine = engine;
    this.#cancelInFlight();
    this.#changed(this.#debounceMs);
  }

  /**
   * Runs the latest state again at full quality (the full VAE, and `params`
   * on top, e.g. more steps) and returns a normal {@link EditResult}: what
   * the host turns into a result with variants, apply and undo. Live runs
   * pause meanwhile and resume with the next change.
   */
  async keep(params: Partial<LiveParams> = {}): Promise<EditResult> {
    this.#checkOpen();
    const input = this.#input;
    if (!input) throw new InvalidInputError('There is nothing to keep yet: paint or pick an image first.');
    this.#keeping++;
    // Keep renders the latest state itself: what waits and what runs are both superseded.
    this.#clearTimer();
    this.#dirty = false;
    this.#due = false;
    const running = this.#inFlight;
    this.#cancelInFlight();
    try {
      await running?.done;
      return await this.#engine.edit(this.#operation, this.#request(input, { ...this.#params, ...params }, 'full'));
    } finally {
      this.#keeping--;
      this.#pump();
    }
  }

  /** Ends the session: cancels the run in flight and drops what waits. */
  close(): void {
    if (this.#state === 'closed') return;
    this.#clearTimer();
    this.#cancelInFlight();
    this.#dirty = false;
    this.#input = undefined;
    this.#setState('closed');
    for (const set of Object.values(this.#listeners)) set.clear();
  }

  #changed(delay: number): void {
    this.#version++;
    this.#changedAt = performance.now();
    this.#dirty = true;
    this.#due = false;
    this.#clearTimer();
    const wait = ++this.#wait;
    const due = (): void => {
      if (wait !== this.#wait) return; // superseded or cleared
      this.#timer = undefined;
      this.#due = true;
      this.#pump();
    };
    // No debounce: start once the caller's synchronous work is done. A 0 ms
    // timer still waits >= 1 ms in Node and browsers: a tenth of a small
    // model's update, all of it SDK overhead.
    if (delay === 0) queueMicrotask(due);
    else this.#timer = setTimeout(due, delay);
    this.#refreshState();
  }

  /** Starts the waiting state when its debounce has elapsed and nothing is in flight. */
  #pump(): void {
    if (this.#state === 'closed' || this.#keeping > 0 || this.#inFlight || !this.#dirty || !this.#due || !this.#input) {
      this.#refreshState();
      return;
    }
    this.#dirty = false;
    this.#due = false;
    const version = this.#version;
    const changedAt = this.#changedAt;
    const controller = new AbortController();
    const engine = this.#engine;
    const request = { ...this.#request(this.#input, this.#params, this.#fast ? 'fast' : 'full'), signal: controller.signal };
    this.#stats.runsStarted++;
    const run: Run = { controller, promptKey: promptKey(this.#params), engine, done: Promise.resolve() };
    run.done = engine.edit(this.#operation, request).then(
      (result) => {
        if (controller.signal.aborted) {
          this.#stats.runsCancelled++;
          return;
        }
        this.#stats.runsCompleted++;
        this.#latest = { image: result.images[0]!, result, version, latencyMs: performance.now() - changedAt, stale: this.#dirty };
        this.#emit('result', this.#latest);
      },
      (error: unknown) => {
        if (controller.signal.aborted || error instanceof CancelledError) {
          this.#stats.runsCancelled++;
          return;
        }
        this.#stats.runsFailed++;
        this.#setState('error');
        this.#emit('error', error);
      },
    ).finally(() => {
      if (this.#inFlight === run) this.#inFlight = undefined;
      this.#pump();
    });
    this.#inFlight = run;
    this.#refreshState();
  }

  #request(input: { image: RgbaImage; mask?: Mask }, params: LiveParams, vae: 'fast' | 'full'): EditRequest {
    return { ...params, image: input.image, ...(input.mask ? { mask: input.mask } : {}), seed: this.seed, count: 1, vae };
  }

  #cancelInFlight(): void {
    this.#inFlight?.controller.abort();
  }

  #clearTimer(): void {
    this.#wait++;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #refreshState(): void {
    if (this.#state === 'closed') return;
    if (this.#inFlight || this.#dirty || this.#keeping > 0) this.#setState('updating');
    else if (this.#state === 'error') return;
    else this.#setState(this.#latest ? 'up to date' : 'idle');
  }

  #setState(state: LiveState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#emit('state', state);
  }

  #emit<K extends keyof Listeners>(type: K, value: Parameters<Listeners[K]>[0]): void {
    for (const listener of [...this.#listeners[type]]) {
      try {
        (listener as (v: typeof value) => void)(value);
      } catch {
        // A broken listener must not stop the session.
      }
    }
  }

  #checkOpen(): void {
    if (this.#state === 'closed') throw new InvalidInputError('This live session was closed: start a new one.');
  }
}

/** What makes a run's result worthless when it changes. */
function promptKey(params: LiveParams): string {
  return JSON.stringify([params.prompt, params.negativePrompt ?? '']);
}
