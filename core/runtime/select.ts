/**
 * Which ONNX Runtime package runs the models: `onnxruntime-web` (WASM, the
 * default, works everywhere) or `onnxruntime-node` (native CPU code, several
 * times faster on convolution-heavy models, Node only).
 *
 * `onnxruntime-node` is an optional peer dependency: it is loaded with a
 * dynamic import only when asked for (or preferred by `auto` in Node), so
 * browser bundles and installs without it never touch it.
 *
 * Browser-safe: the import specifier is kept out of reach of bundlers.
 */
import { RuntimeError } from '../errors';
import { withFileExternalData } from './native-external-data';
import { defaultOrt, isNode, type OrtRuntime } from './ort';

/** `auto` prefers native in Node when it is installed; the others force one. */
export type RuntimeChoice = 'auto' | 'wasm' | 'native';

/** The runtime picked, with the thread count it will use. */
export interface OrtSelection {
  readonly runtime: 'wasm' | 'native';
  readonly ort: OrtRuntime;
  /** Intra-op threads (and WASM worker threads). */
  readonly threads: number;
}

/** Options of {@link selectOrt}. */
export interface SelectOrtOptions {
  /** Threads to use; default {@link defaultThreads}. */
  readonly threads?: number;
  /** CPU cores of this machine; default `os.availableParallelism()` in Node, `navigator.hardwareConcurrency` elsewhere. */
  readonly cores?: number;
  /** Loads `onnxruntime-node`; injectable for tests. */
  readonly importNative?: () => Promise<OrtRuntime>;
}

/** The line that installs the native runtime (its install script fetches CUDA files unless told to skip). */
export const NATIVE_INSTALL = 'ONNXRUNTIME_NODE_INSTALL=skip npm i onnxruntime-node';

/** Most WASM threads: onnxruntime-web's own default cap; more threads only add overhead there. */
export const MAX_WASM_THREADS = 4;

/** `runtime: 'native'` was asked for where `onnxruntime-node` cannot be loaded. */
export class NativeRuntimeUnavailableError extends RuntimeError {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(
      `The native runtime (onnxruntime-node) is not available: ${reason}. Install it next to Stipple with \`${NATIVE_INSTALL}\` (CPU binaries, about 290 MB), or use the wasm runtime.`,
      options,
    );
  }
}

/**
 * Default thread count: every core, as ONNX Runtime itself does for native
 * CPU sessions, but at most {@link MAX_WASM_THREADS} on WASM.
 */
export function defaultThreads(runtime: 'wasm' | 'native', cores = hardwareConcurrency()): number {
  const n = Math.max(1, Math.floor(cores));
  return runtime === 'wasm' ? Math.min(n, MAX_WASM_THREADS) : n;
}

/**
 * Picks and loads the runtime.
 *
 * @throws {NativeRuntimeUnavailableError} for `native` outside Node or when
 *   `onnxruntime-node` is not installed (the message has the install line).
 * @throws {RuntimeError} for a thread count that is not a positive whole number.
 */
export async function selectOrt(choice: RuntimeChoice = 'auto', options: SelectOrtOptions = {}): Promise<OrtSelection> {
  if (choice !== 'auto' && choice !== 'wasm' && choice !== 'native') {
    throw new RuntimeError(`Unknown runtime "${String(choice)}": use auto, wasm or native.`);
  }
  const threads = options.threads;
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) {
    throw new RuntimeError(`Threads must be a whole number of at least 1, got ${threads}.`);
  }
  const cores = options.cores ?? (await countCores());
  const pick = (runtime: 'wasm' | 'native', ort: OrtRuntime): OrtSelection => ({
    runtime,
    ort,
    threads: threads ?? defaultThreads(runtime, cores),
  });
  if (choice === 'wasm' || (choice === 'auto' && !isNode())) return pick('wasm', defaultOrt);
  if (!isNode()) throw new NativeRuntimeUnavailableError('it runs in Node only, not in a browser');
  try {
    return pick('native', await (options.importNative ?? importOnnxruntimeNode)());
  } catch (cause) {
    if (choice === 'auto') return pick('wasm', defaultOrt);
    throw new NativeRuntimeUnavailableError(`loading it failed (${(cause as Error)?.message ?? String(cause)})`, { cause });
  }
}

/** True when `onnxruntime-node` can be loaded here. */
export async function nativeRuntimeInstalled(): Promise<boolean> {
  if (!isNode()) return false;
  return importOnnxruntimeNode().then(
    () => true,
    () => false,
  );
}

async function importOnnxruntimeNode(): Promise<OrtRuntime> {
  // A specifier in a variable: bundlers leave it alone, so browser builds never try to include it.
  const specifier = 'onnxruntime-node';
  const mod = (await import(/* @vite-ignore */ specifier)) as OrtRuntime & { default?: OrtRuntime };
  return withFileExternalData(typeof mod.InferenceSession?.create === 'function' ? mod : mod.default!);
}

/** Cores usable by this process: `os.availableParallelism()` in Node (Node 20 has no `navigator`). */
async function countCores(): Promise<number> {
  if (!isNode()) return hardwareConcurrency();
  const specifier = 'node:os';
  const os = (await import(/* @vite-ignore */ specifier)) as { availableParallelism?: () => number; cpus: () => unknown[] };
  return os.availableParallelism?.() ?? os.cpus().length;
}

function hardwareConcurrency(): number {
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
}
