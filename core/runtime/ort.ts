/**
 * The ONNX Runtime API Stipple depends on, and the default runtime.
 *
 * Everything else in `core/runtime` talks to an {@link OrtRuntime}, never to
 * the `onnxruntime-web` module directly, so any onnxruntime-common-compatible
 * package can be injected (e.g. `onnxruntime-node` for ~5x faster Node runs,
 * or an ORT build imported inside the app's own Worker).
 */
import type { Env, InferenceSession, TensorConstructor } from 'onnxruntime-web';
import { RuntimeError } from '../errors';

/** The subset of the onnxruntime-common API that Stipple uses. */
export interface OrtRuntime {
  readonly InferenceSession: {
    create(model: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession>;
  };
  readonly Tensor: TensorConstructor;
  readonly env: Env;
}

let loaded: OrtRuntime | undefined;
let loading: Promise<OrtRuntime> | undefined;
// What is written to `defaultOrt.env` before ONNX Runtime has loaded (wasmPaths, numThreads, ...):
// copied onto its real `env` when it loads, before its first session reads them.
const early = { wasm: {}, webgpu: {} } as Env;

/**
 * Loads `onnxruntime-web` (once) and returns it. Stipple calls this when it
 * creates its first session; call it yourself to start the download early.
 * (In Node the root import finds its wasm files next to the package; the
 * `/wasm` sub-import with threads fails there with "fetch failed".)
 */
export function loadDefaultOrt(): Promise<OrtRuntime> {
  // A dynamic import: bundlers split ONNX Runtime (~415 KB) out of apps that
  // import only the tokenizer, image tools or adapters' UI.
  loading ??= import('onnxruntime-web').then((ort) => {
    for (const [key, value] of Object.entries(early)) {
      const target = (ort.env as unknown as Record<string, unknown>)[key];
      if (value && typeof value === 'object' && target && typeof target === 'object') Object.assign(target, value);
      else (ort.env as unknown as Record<string, unknown>)[key] = value;
    }
    loaded = ort;
    return ort;
  });
  return loading;
}

/**
 * The default runtime: `onnxruntime-web`, imported when the first session is
 * created ({@link loadDefaultOrt}). `env` can be set before that (settings
 * are applied when it loads); `Tensor` exists once a session was created.
 */
export const defaultOrt: OrtRuntime = {
  InferenceSession: {
    create: async (model, options) => (await loadDefaultOrt()).InferenceSession.create(model, options),
  },
  get Tensor(): TensorConstructor {
    if (!loaded) throw new RuntimeError('ONNX Runtime is not loaded yet: create a session first (or await loadDefaultOrt()).');
    return loaded.Tensor;
  },
  get env(): Env {
    return loaded?.env ?? early;
  },
};

/** True in Node (and Node-like runtimes), false in browsers and workers. */
export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof p?.versions?.node === 'string';
}
