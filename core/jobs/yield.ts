/**
 * Lets queued events run (a worker's `cancel` message, a click on "Stop").
 *
 * Why: ONNX Runtime's WASM `run()` resolves through microtasks only, so a
 * denoising loop that just awaits it never gives the event loop a turn and an
 * abort requested by a message arrives after the last step. One macrotask
 * per step costs well under a millisecond; `setTimeout(0)` would be clamped
 * to 4 ms after a few nested calls, so prefer an unclamped way. Not
 * `scheduler.yield()`: its continuation is prioritised over queued tasks, so
 * a pending `cancel` message would still wait (seen in Chromium workers).
 */
export function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (fn: () => void) => unknown };
  if (typeof g.setImmediate === 'function') return new Promise((resolve) => g.setImmediate!(resolve));
  if (typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      const { port1, port2 } = new MessageChannel();
      port1.onmessage = () => {
        port1.close();
        resolve();
      };
      port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}
