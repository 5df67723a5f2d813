/**
 * Serialises work per ONNX Runtime instance.
 *
 * Why: ORT-web runs one wasm instance per loaded ORT module; overlapping
 * `InferenceSession.create` / `run` calls on it fail with "Session already
 * started" (and on WebGPU can interleave GPU work). Everything that touches a
 * runtime goes through {@link runExclusive} with the runtime object as key, so
 * two editors sharing one ORT module still take turns, while independent
 * runtimes (e.g. ORT-web and onnxruntime-node) do not block each other.
 */

/** Tail of each key's chain; never rejects (failures are swallowed here, reported to the caller). */
const tails = new WeakMap<object, Promise<void>>();

/**
 * Runs `task` after every task queued earlier under the same `key` has
 * settled (fulfilled or rejected), and returns its result.
 */
export function runExclusive<T>(key: object, task: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve();
  const result = previous.then(() => task());
  tails.set(
    key,
    result.then(
      () => undefined,
      () => undefined,
    ),
  );
  return result;
}
