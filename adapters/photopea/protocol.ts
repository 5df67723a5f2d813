/**
 * A client for Photopea's live-messaging protocol, as a plugin page sees it
 * (photopea.com/api/live, photopea.com/api/plugins):
 *
 * - the plugin sends a script as a string: `window.parent.postMessage(script, "*")`;
 * - Photopea answers with zero or more messages, ArrayBuffers from
 *   `saveToOE(format)` and strings from `app.echoToOE(s)`, then the string
 *   `"done"` ("After your message is processed, Photopea also sends back
 *   the message "done"");
 * - it sends `"done"` once on its own when it is "initialized and ready to
 *   accept commands", and other unsolicited messages (pings) too.
 *
 * The client keeps a FIFO of scripts and has one in flight at a time. To
 * know which "done" closes which script, even after a script timed out and
 * its late replies are still coming, or when the initial "done" arrives
 * late, every script is preceded by a tiny marker script that echoes a
 * unique id: replies count for the script in flight only after its marker
 * and the marker's "done" have come back. Messages are accepted only from
 * the Photopea window itself (`event.source`) on an expected origin; all
 * else is ignored.
 */
import { formatSeconds as seconds, PhotopeaError, PhotopeaTimeoutError } from './errors';
import { ECHO_PREFIX, jsString } from './script';

/** Where scripts are posted: Photopea's window (`window.parent` for a plugin). */
export interface PhotopeaTarget {
  postMessage(message: unknown, targetOrigin: string): void;
}

/** A message event, as much of it as the client reads. */
export interface PhotopeaMessageEvent {
  data: unknown;
  origin: string;
  source: unknown;
}

/** Where replies arrive: the plugin's own `window`. */
export interface PhotopeaEvents {
  addEventListener(type: 'message', listener: (event: PhotopeaMessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: PhotopeaMessageEvent) => void): void;
}

/** Photopea's origins. The plugin page is framed by the Photopea app at www.photopea.com; photopea.com serves it too. */
export const PHOTOPEA_ORIGINS: readonly string[] = ['https://www.photopea.com', 'https://photopea.com'];

export interface PhotopeaClientOptions {
  /** Origins replies are accepted from (default {@link PHOTOPEA_ORIGINS}). */
  origins?: readonly string[];
  /** Time for one script, from sending it to its "done" (default 20 s). */
  timeoutMs?: number;
  /** Time to wait for Photopea to be ready (default 10 s). */
  readyTimeoutMs?: number;
  /**
   * How long to wait for Photopea's initial "done" before asking directly
   * (a tiny probe script), in case the initial one was sent before this page
   * listened (default 1 s).
   */
  probeAfterMs?: number;
  /** Timer functions (injectable for tests). */
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
}

/** What a script sent back before its "done". */
export interface ScriptReply {
  /** Files, e.g. from `saveToOE("png")`, in order. */
  buffers: ArrayBuffer[];
  /** Strings from `app.echoToOE`, in order (may include unsolicited strings that arrived meanwhile). */
  strings: string[];
}

export interface RunOptions {
  /** Overrides the client's per-script timeout. */
  timeoutMs?: number;
}

interface Job {
  script: string;
  timeoutMs: number;
  resolve(reply: ScriptReply): void;
  reject(error: Error): void;
  /** Whether to wait for readiness first (false for the readiness probe itself). */
  waitReady: boolean;
}

interface Flight {
  job: Job;
  marker: string;
  /** `marker`: waiting for the marker echo; `marker-done`: for its "done"; `collect`: replies of the script. */
  phase: 'marker' | 'marker-done' | 'collect';
  reply: ScriptReply;
  timer: unknown;
}

const DONE = 'done';

/**
 * Runs scripts in Photopea, one at a time, in order.
 *
 * @example
 * ```ts
 * const client = new PhotopeaClient(window.parent, window);
 * const { strings } = await client.run('app.echoToOE(String(app.documents.length));');
 * ```
 */
export class PhotopeaClient {
  readonly #target: PhotopeaTarget;
  readonly #events: PhotopeaEvents;
  readonly #origins: readonly string[];
  readonly #timeoutMs: number;
  readonly #readyTimeoutMs: number;
  readonly #probeAfterMs: number;
  readonly #setTimeout: (fn: () => void, ms: number) => unknown;
  readonly #clearTimeout: (handle: unknown) => void;
  readonly #queue: Job[] = [];
  readonly #listener = (event: PhotopeaMessageEvent): void => this.#onMessage(event);
  #flight: Flight | null = null;
  #serial = 0;
  #ready = false;
  #readyWaiters: Array<() => void> = [];
  #readyPromise: Promise<void> | null = null;
  #closed = false;
  /** Origin of Photopea's first accepted message: where scripts are posted to. */
  #origin: string | null = null;
  #ignored = 0;

  constructor(target: PhotopeaTarget, events: PhotopeaEvents, options: PhotopeaClientOptions = {}) {
    this.#target = target;
    this.#events = events;
    this.#origins = options.origins ?? PHOTOPEA_ORIGINS;
    this.#timeoutMs = options.timeoutMs ?? 20_000;
    this.#readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
    this.#probeAfterMs = options.probeAfterMs ?? 1000;
    this.#setTimeout = options.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms));
    this.#clearTimeout = options.clearTimeout ?? ((h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>));
    events.addEventListener('message', this.#listener);
  }

  /** True once Photopea has said it is ready (its initial "done", or any answer). */
  get isReady(): boolean {
    return this.#ready;
  }

  /** Messages dropped so far: wrong source or origin, unsolicited, or stale replies. */
  get ignoredMessages(): number {
    return this.#ignored;
  }

  /**
   * Resolves once Photopea is ready: on its initial "done", or, if that does
   * not come within `probeAfterMs`, once a probe script is answered.
   *
   * @throws {PhotopeaTimeoutError} when Photopea does not answer within `readyTimeoutMs`.
   */
  ready(): Promise<void> {
    if (this.#ready) return Promise.resolve();
    if (this.#readyPromise) return this.#readyPromise;
    this.#readyPromise = new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (error?: Error): void => {
        if (settled) return;
        settled = true;
        this.#clearTimeout(probe);
        this.#clearTimeout(limit);
        if (error) {
          this.#readyPromise = null;
          reject(error);
        } else resolve();
      };
      this.#readyWaiters.push(() => finish());
      const probe = this.#setTimeout(() => {
        if (settled) return;
        this.#enqueue({ script: 'app.echoToOE("");', timeoutMs: this.#readyTimeoutMs, waitReady: false }).catch(() => undefined);
      }, this.#probeAfterMs);
      const limit = this.#setTimeout(
        () =>
          finish(
            new PhotopeaTimeoutError(
              `Photopea did not answer within ${seconds(this.#readyTimeoutMs)}. Open this panel from inside Photopea (Window > Plugins), with a document open, and try again.`,
              this.#readyTimeoutMs,
            ),
          ),
        this.#readyTimeoutMs,
      );
    });
    return this.#readyPromise;
  }

  /**
   * Runs `script` in Photopea after every script queued before it, and
   * resolves with what it sent back before its "done".
   *
   * @throws {PhotopeaTimeoutError} when Photopea is not ready in time or the script takes longer than the timeout.
   * @throws {PhotopeaError} `CLOSED` after {@link close}.
   */
  run(script: string, options: RunOptions = {}): Promise<ScriptReply> {
    if (typeof script !== 'string') return Promise.reject(new TypeError('A Photopea script is a string.'));
    return this.#enqueue({ script, timeoutMs: options.timeoutMs ?? this.#timeoutMs, waitReady: true });
  }

  /** Stops listening; pending and queued scripts fail with `CLOSED`. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#events.removeEventListener('message', this.#listener);
    const error = new PhotopeaError('CLOSED', 'The connection to Photopea was closed.');
    const flight = this.#flight;
    this.#flight = null;
    if (flight) {
      this.#clearTimeout(flight.timer);
      flight.job.reject(error);
    }
    for (const job of this.#queue.splice(0)) job.reject(error);
  }

  #enqueue(spec: Omit<Job, 'resolve' | 'reject'>): Promise<ScriptReply> {
    if (this.#closed) return Promise.reject(new PhotopeaError('CLOSED', 'The connection to Photopea was closed.'));
    return new Promise<ScriptReply>((resolve, reject) => {
      this.#queue.push({ ...spec, resolve, reject });
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#flight || this.#closed || this.#queue.length === 0) return;
    const index = this.#ready ? 0 : this.#queue.findIndex((j) => !j.waitReady);
    if (index < 0) {
      // Wait for readiness (and fail the queue if it never comes).
      this.ready().then(
        () => this.#pump(),
        (error: Error) => {
          for (const job of this.#queue.splice(0).filter((j) => j.waitReady)) job.reject(error);
        },
      );
      return;
    }
    const job = this.#queue.splice(index, 1)[0]!;
    const marker = `${ECHO_PREFIX}begin:${++this.#serial}:${Math.random().toString(36).slice(2)}`;
    const flight: Flight = { job, marker, phase: 'marker', reply: { buffers: [], strings: [] }, timer: null };
    flight.timer = this.#setTimeout(() => {
      if (this.#flight !== flight) return;
      this.#flight = null;
      job.reject(
        new PhotopeaTimeoutError(
          `Photopea did not finish within ${seconds(job.timeoutMs)}. It may be busy with a large document: try again, or select a smaller area.`,
          job.timeoutMs,
        ),
      );
      this.#pump();
    }, job.timeoutMs);
    this.#flight = flight;
    const origin = this.#origin ?? '*';
    try {
      this.#target.postMessage(`app.echoToOE(${jsString(marker)});`, origin);
      this.#target.postMessage(job.script, origin);
    } catch (cause) {
      this.#clearTimeout(flight.timer);
      this.#flight = null;
      job.reject(new PhotopeaError('PROTOCOL', 'Stipple could not send a script to Photopea.', { cause }));
      this.#pump();
    }
  }

  #onMessage(event: PhotopeaMessageEvent): void {
    if (event.source !== this.#target || !this.#origins.includes(event.origin)) {
      this.#ignored++;
      return;
    }
    this.#origin ??= event.origin;
    const data = event.data;
    const flight = this.#flight;
    if (!this.#ready && (data === DONE || (flight !== null && typeof data === 'string' && data === flight.marker))) {
      this.#markReady();
    }
    if (!flight) {
      this.#ignored++;
      return;
    }
    if (flight.phase === 'marker') {
      if (data === flight.marker) flight.phase = 'marker-done';
      else this.#ignored++;
      return;
    }
    if (flight.phase === 'marker-done') {
      if (data === DONE) flight.phase = 'collect';
      else this.#ignored++;
      return;
    }
    if (data === DONE) {
      this.#clearTimeout(flight.timer);
      this.#flight = null;
      flight.job.resolve(flight.reply);
      this.#pump();
    } else if (typeof data === 'string') {
      flight.reply.strings.push(data);
    } else if (isArrayBuffer(data)) {
      flight.reply.buffers.push(data);
    } else {
      this.#ignored++;
    }
  }

  #markReady(): void {
    this.#ready = true;
    for (const w of this.#readyWaiters.splice(0)) w();
  }
}

/** True for an ArrayBuffer from any realm (a message from another window is one). */
function isArrayBuffer(x: unknown): x is ArrayBuffer {
  return Object.prototype.toString.call(x) === '[object ArrayBuffer]';
}
