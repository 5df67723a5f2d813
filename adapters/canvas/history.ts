/**
 * Undo and redo: a stack of commands, each able to undo and redo itself.
 * Pure (no DOM). Memory is bounded by a count and by the bytes the commands
 * say they hold; the oldest entries go first.
 */

/** One undoable change. `redo` is only called after `undo`. */
export interface Command {
  /** What the change was, for "Undo <label>" (e.g. "Brush stroke"). */
  readonly label: string;
  /** Approximate memory the command keeps alive, in bytes (default 0). */
  readonly bytes?: number;
  undo(): void;
  redo(): void;
}

export interface HistoryOptions {
  /** Most entries kept (default 100). */
  limit?: number;
  /** Most bytes kept across entries (default 256 MiB); the newest entry is always kept. */
  maxBytes?: number;
}

export class History {
  readonly #done: Command[] = [];
  readonly #undone: Command[] = [];
  readonly #limit: number;
  readonly #maxBytes: number;

  constructor(options: HistoryOptions = {}) {
    this.#limit = Math.max(1, Math.floor(options.limit ?? 100));
    this.#maxBytes = Math.max(0, options.maxBytes ?? 256 * 1024 * 1024);
  }

  /** Records a change that has already been made; drops everything that could be redone. */
  push(command: Command): void {
    this.#done.push(command);
    this.#undone.length = 0;
    this.#trim();
  }

  /** Undoes the latest change; returns it, or undefined when there is none. */
  undo(): Command | undefined {
    const c = this.#done.pop();
    if (!c) return undefined;
    c.undo();
    this.#undone.push(c);
    return c;
  }

  /** Redoes the latest undone change; returns it, or undefined when there is none. */
  redo(): Command | undefined {
    const c = this.#undone.pop();
    if (!c) return undefined;
    c.redo();
    this.#done.push(c);
    return c;
  }

  get canUndo(): boolean {
    return this.#done.length > 0;
  }

  get canRedo(): boolean {
    return this.#undone.length > 0;
  }

  /** Label of the change {@link undo} would undo. */
  get undoLabel(): string | undefined {
    return this.#done.at(-1)?.label;
  }

  /** Label of the change {@link redo} would redo. */
  get redoLabel(): string | undefined {
    return this.#undone.at(-1)?.label;
  }

  /** Number of changes that can be undone. */
  get length(): number {
    return this.#done.length;
  }

  /** Bytes held by all entries (undo and redo sides). */
  get bytes(): number {
    let n = 0;
    for (const c of this.#done) n += c.bytes ?? 0;
    for (const c of this.#undone) n += c.bytes ?? 0;
    return n;
  }

  clear(): void {
    this.#done.length = 0;
    this.#undone.length = 0;
  }

  #trim(): void {
    while (this.#done.length > this.#limit) this.#done.shift();
    while (this.#done.length > 1 && this.bytes > this.#maxBytes) this.#done.shift();
  }
}
