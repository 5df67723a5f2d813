/**
 * Entry module of the engine's module Worker:
 *
 * ```ts
 * const worker = new Worker(new URL('stipple/core/jobs/worker', import.meta.url), { type: 'module' });
 * const editor = await createWorkerEditor({ worker, model: { url: 'https://…/sd-inpaint/' } });
 * ```
 *
 * It imports ONNX Runtime Web itself (the root build: WebGPU and WASM in one
 * module), because ORT's own proxy worker cannot run WebGPU.
 */
import { serveWorkerEngine } from './engine';

serveWorkerEngine();
