/**
 * The panel's end of the plugin channel. The panel is a page on Stipple's own
 * origin inside Figma's plugin iframe, so it talks to the main code through
 * Figma's frame: `parent.postMessage({ pluginMessage, pluginId: '*' }, figmaOrigin)`.
 * It answers only Figma: a message counts only when it comes from
 * `window.parent` with Figma's origin and is a well-formed Stipple message.
 */
import {
  Channel,
  parseMainMessage,
  PROTOCOL_VERSION,
  type MainToPanel,
  type Message,
  type PanelToMain,
  type SelectionSummary,
  type SourcePayload,
} from './messages';

/** Where Figma's editor runs (the browser and the desktop app alike). */
export const FIGMA_ORIGIN = 'https://www.figma.com';

/** The bits of `window` the bridge uses (a fake in Node tests). */
export interface BridgeWindow {
  readonly parent: { postMessage(message: unknown, targetOrigin: string): void } | null;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

export interface PanelBridgeOptions {
  /** Default: `window`. */
  window?: BridgeWindow;
  /** Origins accepted as Figma (default `https://www.figma.com`); the first is the target of outgoing messages. */
  figmaOrigins?: readonly string[];
  /** How long a read or a write may take before it is given up (default 120 s: big exports are slow). */
  timeoutMs?: number;
}

/** A read or write the main code refused; the document is unchanged. */
export class FigmaRequestError extends Error {
  constructor(
    readonly code: MainToPanel['failed']['code'] | 'timeout' | 'closed',
    message: string,
  ) {
    super(message);
    this.name = 'FigmaRequestError';
  }
}

/** What the panel needs from the bridge (also met by test doubles). */
export interface PanelLink {
  on<K extends keyof MainToPanel>(type: K, handler: (payload: MainToPanel[K]) => void): () => void;
  emit<K extends keyof PanelToMain>(type: K, payload: PanelToMain[K]): void;
  readSelection(options: { targetPixels?: number; scale?: number }): Promise<SourcePayload>;
  writeResult(payload: Omit<PanelToMain['write-result'], 'requestId'>): Promise<MainToPanel['written']>;
}

export class PanelBridge implements PanelLink {
  readonly #win: BridgeWindow;
  readonly #origins: readonly string[];
  readonly #timeoutMs: number;
  readonly #channel: Channel<MainToPanel, PanelToMain>;
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; timer: ReturnType<typeof setTimeout> }>();
  readonly #listener: (event: MessageEvent) => void;
  #nextId = 1;
  #closed = false;
  /** The last selection the main code reported (null until it said hello). */
  selection: SelectionSummary | null = null;

  constructor(options: PanelBridgeOptions = {}) {
    this.#win = options.window ?? (globalThis as unknown as { window: BridgeWindow }).window;
    this.#origins = options.figmaOrigins ?? [FIGMA_ORIGIN];
    this.#timeoutMs = options.timeoutMs ?? 120_000;
    this.#channel = new Channel<MainToPanel, PanelToMain>((msg) => {
      const parent = this.#win.parent;
      if (!parent || parent === (this.#win as unknown)) throw new FigmaRequestError('closed', 'Stipple is not running inside Figma.');
      parent.postMessage({ pluginMessage: msg, pluginId: '*' }, this.#origins[0]!);
    });
    this.#listener = (event) => this.#receive(event);
    this.#win.addEventListener('message', this.#listener);
    const settle = (id: number | null, fn: (p: { resolve(v: unknown): void; reject(e: Error): void }) => void): void => {
      if (id === null) return;
      const p = this.#pending.get(id);
      if (!p) return;
      this.#pending.delete(id);
      clearTimeout(p.timer);
      fn(p);
    };
    this.#channel.on('hello', (p) => (this.selection = p.selection));
    this.#channel.on('selection', (s) => (this.selection = s));
    this.#channel.on('source', (p) => settle(p.requestId, (x) => x.resolve(p)));
    this.#channel.on('written', (p) => settle(p.requestId, (x) => x.resolve(p)));
    this.#channel.on('failed', (p) => settle(p.requestId, (x) => x.reject(new FigmaRequestError(p.code, p.message))));
  }

  /** Tells the main code the panel is listening; it answers with `hello` and the selection. */
  ready(): void {
    this.emit('ready', { version: PROTOCOL_VERSION });
  }

  on<K extends keyof MainToPanel>(type: K, handler: (payload: MainToPanel[K]) => void): () => void {
    return this.#channel.on(type, handler);
  }

  emit<K extends keyof PanelToMain>(type: K, payload: PanelToMain[K]): void {
    this.#channel.emit(type, payload);
  }

  /** Asks the main code for the selection's pixels. Rejects with a {@link FigmaRequestError} saying what is wrong with the selection. */
  readSelection(options: { targetPixels?: number; scale?: number } = {}): Promise<SourcePayload> {
    return this.#request((requestId) => this.emit('read-selection', { requestId, ...options })) as Promise<SourcePayload>;
  }

  /** Asks the main code to add a result layer over the source. */
  writeResult(payload: Omit<PanelToMain['write-result'], 'requestId'>): Promise<MainToPanel['written']> {
    return this.#request((requestId) => this.emit('write-result', { ...payload, requestId })) as Promise<MainToPanel['written']>;
  }

  /** Stops listening; pending requests reject. */
  dispose(): void {
    this.#closed = true;
    this.#win.removeEventListener('message', this.#listener);
    for (const [id, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(new FigmaRequestError('closed', 'The panel was closed.'));
      this.#pending.delete(id);
    }
  }

  #request(send: (requestId: number) => void): Promise<unknown> {
    if (this.#closed) return Promise.reject(new FigmaRequestError('closed', 'The panel was closed.'));
    const requestId = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(requestId);
        reject(new FigmaRequestError('timeout', 'Figma did not answer in time. Is the plugin still running?'));
      }, this.#timeoutMs);
      this.#pending.set(requestId, { resolve, reject, timer });
      try {
        send(requestId);
      } catch (error) {
        clearTimeout(timer);
        this.#pending.delete(requestId);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  #receive(event: MessageEvent): void {
    // Only Figma's frame, on Figma's origin, and only Stipple's messages.
    if (event.source !== this.#win.parent || !this.#origins.includes(event.origin)) return;
    const data: unknown = event.data;
    if (typeof data !== 'object' || data === null) return;
    const msg = parseMainMessage((data as { pluginMessage?: unknown }).pluginMessage);
    if (msg) this.#channel.receive(msg as Message<MainToPanel>);
  }
}
