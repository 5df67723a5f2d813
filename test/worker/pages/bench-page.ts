/** Bench page: `window.stippleBench.run(workerKey, request)` forwards to a bench worker (one per key). */
import type { BenchRequest, BenchResult } from './bench-worker';

const workers = new Map<string, Worker>();
let nextId = 1;

const api = {
  run(key: string, req: Omit<BenchRequest, 'id' | 'wasmPaths' | 'model'> & { model: string }): Promise<BenchResult> {
    let w = workers.get(key);
    if (!w) {
      w = new Worker('/worker/bench-worker.js', { type: 'module' });
      workers.set(key, w);
    }
    const id = nextId++;
    const worker = w;
    return new Promise((resolve) => {
      const onMessage = (e: MessageEvent) => {
        if ((e.data as BenchResult).id !== id) return;
        worker.removeEventListener('message', onMessage);
        resolve(e.data as BenchResult);
      };
      worker.addEventListener('message', onMessage);
      worker.postMessage({ ...req, id, wasmPaths: `${location.origin}/ort/`, model: `${location.origin}/fixtures/tiny-sd/${req.model}/` });
    });
  },
  close(key: string): void {
    workers.get(key)?.terminate();
    workers.delete(key);
  },
};

(globalThis as unknown as { stippleBench: typeof api }).stippleBench = api;
(globalThis as unknown as { stippleReady: boolean }).stippleReady = true;
