/**
 * The messages between the plugin's main code (Figma's sandbox) and the
 * panel (the UI iframe), in the style of create-figma-plugin's typed
 * `emit` / `on` events. Every message is `{ channel, type, payload }`;
 * anything else, or a payload of the wrong shape, is refused by
 * {@link parsePanelMessage} / {@link parseMainMessage}: messages cross a
 * trust boundary and are checked, not cast.
 *
 * Dependency-free: runs in the sandbox, the panel and Node.
 */
import { OPERATION_TABLE } from '../../core/operations';
import type { Operation } from '../../core/pipelines/request';
import type { Rect, Transform } from './api';

/** Tags every message, so stray `postMessage` traffic is ignored. */
export const CHANNEL = 'stipple/figma@1';

/** Bumped when a message changes shape: the panel and the main code must agree. */
export const PROTOCOL_VERSION = 2;

/** Why a selection cannot be edited (stable codes; the message says it in words). */
export type SelectionProblem =
  | 'nothing-selected'
  | 'several-images'
  | 'not-an-image'
  | 'too-many-masks'
  | 'unsupported-mask'
  | 'mask-outside'
  | 'mask-inside-source'
  | 'hidden'
  | 'empty'
  | 'not-exportable';

/** Why a read or a write failed. */
export type FailureCode = SelectionProblem | 'export-failed' | 'source-gone' | 'bad-image' | 'too-large' | 'write-failed' | 'busy' | 'live-unavailable';

/** What the selection is, cheaply (no pixels): sent whenever it changes. */
export type SelectionSummary =
  | {
      ok: true;
      source: { id: string; name: string; width: number; height: number; kind: 'image' | 'rendered' };
      masks: { id: string; name: string }[];
      /** The edits this selection allows: all four with a mask, whole-image ones without. */
      operations: Operation[];
    }
  | { ok: false; problem: SelectionProblem; message: string };

/** The pixels of a read: the source's export and each mask layer's, with the page boxes they cover. */
export interface SourcePayload {
  requestId: number;
  source: {
    id: string;
    name: string;
    /** The layer's size in Figma px. */
    width: number;
    height: number;
    /** The layer's `absoluteTransform`. */
    transform: Transform;
    /** The page box the PNG covers (the layer's absolute bounding box). */
    box: Rect;
    png: Uint8Array;
    /** Export scale: PNG px per Figma px. */
    scale: number;
  };
  masks: { id: string; name: string; box: Rect; png: Uint8Array }[];
  operations: Operation[];
  /** Things the designer should know (e.g. the export was limited to 4096 px). */
  notices: string[];
}

/** Panel -> main. */
export interface PanelToMain {
  /** The panel is up and listening. */
  ready: { version: number };
  /** Export the selection. `scale` fixes the export scale; else `targetPixels` (the model's area) guides it. */
  'read-selection': { requestId: number; targetPixels?: number; scale?: number };
  /** Put a result over the source as a new layer. The main code names it from `operation` and `seed`. */
  'write-result': {
    requestId: number;
    sourceId: string;
    png: Uint8Array;
    operation: Operation;
    seed: number | null;
    /** 1-based variant number and count, when a run made several. */
    variant?: number;
    variants?: number;
  };
  /** Show a Figma notification. */
  notify: { message: string; error?: boolean };
  /** Live mode on or off: while on, the main code reports changes of the selected layers (`changed`). */
  live: { on: boolean };
}

/** Main -> panel. */
export interface MainToPanel {
  /** Answer to `ready`. */
  hello: { version: number; selection: SelectionSummary };
  selection: SelectionSummary;
  source: SourcePayload;
  written: { requestId: number; nodeId: string; name: string; notices: string[] };
  /** A read or write that did not happen; the document is unchanged. */
  failed: { requestId: number | null; code: FailureCode; message: string };
  /**
   * Live mode: the selected layers (or something inside them) changed. `revision` counts such
   * changes; no pixels travel: the panel reads the selection when it wants them.
   */
  changed: { revision: number };
}

/** One message of a direction `M`. */
export type Message<M, K extends keyof M = keyof M> = K extends keyof M ? { channel: typeof CHANNEL; type: K; payload: M[K] } : never;

/** Builds a message. */
export function message<M, K extends keyof M>(type: K, payload: M[K]): Message<M, K> {
  return { channel: CHANNEL, type, payload } as Message<M, K>;
}

/**
 * Typed `emit` / `on` over any transport: `send` delivers an outgoing
 * message; feed incoming (already parsed) messages to {@link receive}.
 */
export class Channel<In, Out> {
  readonly #send: (msg: Message<Out>) => void;
  readonly #handlers = new Map<keyof In, Set<(payload: never) => void>>();

  constructor(send: (msg: Message<Out>) => void) {
    this.#send = send;
  }

  emit<K extends keyof Out>(type: K, payload: Out[K]): void {
    this.#send(message<Out, K>(type, payload) as Message<Out>);
  }

  /** Listens to one message type; returns the function that stops listening. */
  on<K extends keyof In>(type: K, handler: (payload: In[K]) => void): () => void {
    let set = this.#handlers.get(type);
    if (!set) this.#handlers.set(type, (set = new Set()));
    set.add(handler as (payload: never) => void);
    return () => set.delete(handler as (payload: never) => void);
  }

  receive(msg: Message<In>): void {
    const set = this.#handlers.get(msg.type as keyof In);
    if (!set) return;
    for (const h of [...set]) (h as (payload: unknown) => void)(msg.payload);
  }
}

// ---- validation --------------------------------------------------------

const OPERATION_NAMES: readonly string[] = Object.keys(OPERATION_TABLE);

type Check = (x: unknown) => boolean;
const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isStr: Check = (x) => typeof x === 'string' && x.length <= 10_000;
const isNum: Check = (x) => typeof x === 'number' && Number.isFinite(x);
const isPosNum: Check = (x) => isNum(x) && (x as number) > 0;
const isInt: Check = (x) => Number.isSafeInteger(x);
const isBool: Check = (x) => typeof x === 'boolean';
const isOp: Check = (x) => typeof x === 'string' && OPERATION_NAMES.includes(x);
const isOps: Check = (x) => Array.isArray(x) && x.every(isOp);
const isStrs: Check = (x) => Array.isArray(x) && x.every(isStr);
// `instanceof Uint8Array` fails across realms (the sandbox, iframes); the tag does not.
const isBytes: Check = (x) => ArrayBuffer.isView(x) && Object.prototype.toString.call(x) === '[object Uint8Array]';
const isRect: Check = (x) => isObj(x) && isNum(x['x']) && isNum(x['y']) && isNum(x['width']) && isNum(x['height']);
const isTransform: Check = (x) => Array.isArray(x) && x.length === 2 && x.every((row) => Array.isArray(row) && row.length === 3 && row.every(isNum));
const opt =
  (c: Check): Check =>
  (x) =>
    x === undefined || c(x);
const oneOf =
  (...values: unknown[]): Check =>
  (x) =>
    values.includes(x);
const shape =
  (fields: Record<string, Check>): Check =>
  (x) =>
    isObj(x) && Object.entries(fields).every(([k, c]) => c(x[k]));
const arrayOf =
  (c: Check): Check =>
  (x) =>
    Array.isArray(x) && x.every(c);

const PROBLEMS = [
  'nothing-selected',
  'several-images',
  'not-an-image',
  'too-many-masks',
  'unsupported-mask',
  'mask-outside',
  'mask-inside-source',
  'hidden',
  'empty',
  'not-exportable',
];
const FAILURES = [...PROBLEMS, 'export-failed', 'source-gone', 'bad-image', 'too-large', 'write-failed', 'busy', 'live-unavailable'];

const isSummary: Check = (x) =>
  isObj(x) &&
  (x['ok'] === true
    ? shape({
        source: shape({ id: isStr, name: isStr, width: isNum, height: isNum, kind: oneOf('image', 'rendered') }),
        masks: arrayOf(shape({ id: isStr, name: isStr })),
        operations: isOps,
      })(x)
    : x['ok'] === false && oneOf(...PROBLEMS)(x['problem']) && isStr(x['message']));

const PANEL_TO_MAIN: { [K in keyof PanelToMain]: Check } = {
  ready: shape({ version: isInt }),
  'read-selection': shape({ requestId: isInt, targetPixels: opt(isPosNum), scale: opt(isPosNum) }),
  'write-result': shape({
    requestId: isInt,
    sourceId: isStr,
    png: isBytes,
    operation: isOp,
    seed: (x) => x === null || isInt(x),
    variant: opt(isInt),
    variants: opt(isInt),
  }),
  notify: shape({ message: isStr, error: opt(isBool) }),
  live: shape({ on: isBool }),
};

const MAIN_TO_PANEL: { [K in keyof MainToPanel]: Check } = {
  hello: shape({ version: isInt, selection: isSummary }),
  selection: isSummary,
  source: shape({
    requestId: isInt,
    source: shape({ id: isStr, name: isStr, width: isPosNum, height: isPosNum, transform: isTransform, box: isRect, png: isBytes, scale: isPosNum }),
    masks: arrayOf(shape({ id: isStr, name: isStr, box: isRect, png: isBytes })),
    operations: isOps,
    notices: isStrs,
  }),
  written: shape({ requestId: isInt, nodeId: isStr, name: isStr, notices: isStrs }),
  failed: shape({ requestId: (x) => x === null || isInt(x), code: oneOf(...FAILURES), message: isStr }),
  changed: shape({ revision: isInt }),
};

function parse<M>(checks: Record<string, Check>, x: unknown): Message<M> | null {
  if (!isObj(x) || x['channel'] !== CHANNEL || typeof x['type'] !== 'string') return null;
  const check = Object.prototype.hasOwnProperty.call(checks, x['type']) ? checks[x['type']] : undefined;
  if (!check || !check(x['payload'])) return null;
  return x as unknown as Message<M>;
}

/** A well-formed panel -> main message, or null. */
export function parsePanelMessage(x: unknown): Message<PanelToMain> | null {
  return parse<PanelToMain>(PANEL_TO_MAIN, x);
}

/** A well-formed main -> panel message, or null. */
export function parseMainMessage(x: unknown): Message<MainToPanel> | null {
  return parse<MainToPanel>(MAIN_TO_PANEL, x);
}

/** The name of a result layer, e.g. `Stipple inpaint · seed 42` (or `… · 2 of 4` for a variant). */
export function resultName(operation: Operation, seed: number | null, variant?: number, variants?: number): string {
  let name = `Stipple ${operation} · ${seed === null ? 'replayed noise' : `seed ${seed}`}`;
  if (variant !== undefined && variants !== undefined && variants > 1) name += ` · ${variant} of ${variants}`;
  return name;
}
