/**
 * The ONNX Runtime API Stipple depends on, and the default runtime.
 *
 * Everything else in `core/runtime` talks to an {@link OrtRuntime}, never to
 * the `onnxruntime-web` module directly, so any onnxruntime-common-compatible
 * package can be injected (e.g. `onnxruntime-node` for ~5x faster Node runs,
 * or an ORT build imported inside the app's own Worker).
 */
import * as ortWeb from 'onnxruntime-web';
import type { Env, InferenceSession, TensorConstructor } from 'onnxruntime-web';

/** The subset of the onnxruntime-common API that Stipple uses. */
export interface OrtRuntime {
  readonly InferenceSession: {
    create(model: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession>;
  };
  readonly Tensor: TensorConstructor;
  readonly env: Env;
}

/**
 * The default runtime: `onnxruntime-web`'s root import. (In Node the root
 * import finds its wasm files next to the package; the `/wasm` sub-import
 * with threads fails there with "fetch failed".)
 */
export const defaultOrt: OrtRuntime = ortWeb;

/** True in Node (and Node-like runtimes), false in browsers and workers. */
export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof p?.versions?.node === 'string';
}
