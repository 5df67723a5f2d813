/**
 * The engine's worker for the browser tests: the production entry
 * (`core/jobs/worker.ts`) plus two test hooks.
 *
 * - `?nogpu`: hides `navigator.gpu`, as in a browser without WebGPU (page
 *   init scripts do not reach workers, so the worker does it itself).
 * - a `{ type: 'test-lose-device' }` message destroys ORT's WebGPU device,
 *   as a driver reset or GPU process crash would.
 */
import { serveWorkerEngine } from '../../../core/jobs/engine';
import { defaultOrt } from '../../../core/runtime/ort';

const scope = globalThis as unknown as { location: Location; navigator: object; addEventListener: typeof addEventListener };
if (new URLSearchParams(scope.location.search).has('nogpu')) {
  Object.defineProperty(scope.navigator, 'gpu', { value: undefined, configurable: true });
}
scope.addEventListener('message', (event: Event) => {
  if ((event as MessageEvent).data?.type !== 'test-lose-device') return;
  // Typed as a Promise, but ORT 1.30 returns the device itself once a session exists.
  void Promise.resolve(defaultOrt.env.webgpu.device as unknown as Promise<{ destroy(): void }>).then((device) => device.destroy());
});
serveWorkerEngine();
