/**
 * Issue 15's benchmark: the same SDEdit on onnxruntime-web (WASM) and on
 * onnxruntime-node (native), with the same thread count, per denoising step
 * and end to end, side by side. Each runtime runs in a fresh process:
 * onnxruntime-web reads its thread count once per process, and an earlier
 * suite's sessions must not warm or crowd the one measured.
 */
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { createEditor } from '../../core/editor';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { defaultThreads, nativeRuntimeInstalled } from '../../core/runtime';
import { FIXTURES, median } from './measure';

/** The argument that makes `dist/bench.js` measure one runtime and print JSON (see main.ts). */
export const RUNTIME_CHILD = 'runtime-child';

interface RuntimeTimes {
  runtime: string;
  threads: number;
  loadMs: number;
  stepMs: number;
  unetMs: number;
  editMs: number;
}

const SIZE = 512;
const STEPS = 8;

export async function benchRuntimes(): Promise<void> {
  const threads = defaultThreads('wasm', availableParallelism());
  const runtimes = (await nativeRuntimeInstalled()) ? ['wasm', 'native'] : ['wasm'];
  const results: RuntimeTimes[] = [];
  for (const runtime of runtimes) {
    const { stdout } = await promisify(execFile)(process.execPath, [process.argv[1]!, RUNTIME_CHILD, runtime, String(threads)], { maxBuffer: 1 << 20 });
    results.push(JSON.parse(stdout.trim().split('\n').at(-1)!) as RuntimeTimes);
  }
  const rows: Record<string, Record<string, string>> = {};
  const metric = (name: string, pick: (r: RuntimeTimes) => number): void => {
    const row: Record<string, string> = {};
    for (const r of results) row[r.runtime] = pick(r).toFixed(1);
    if (results.length > 1) row['wasm / native'] = `${(pick(results[0]!) / pick(results[1]!)).toFixed(2)}x`;
    rows[name] = row;
  };
  metric('first edit: sessions + 1 step (ms)', (r) => r.loadMs);
  metric('denoising step (ms, median)', (r) => r.stepMs);
  metric('UNet call (ms, median)', (r) => r.unetMs);
  metric(`whole sdedit, ${STEPS} steps (ms)`, (r) => r.editMs);
  console.log(
    `SDEdit ${SIZE}x${SIZE} (64x64 latents), ${STEPS} steps, fixture model, ${threads} threads on both runtimes.` +
      (results.length > 1 ? '' : '\nonnxruntime-node is not installed: `ONNXRUNTIME_NODE_INSTALL=skip npm i --no-save onnxruntime-node` to compare.'),
  );
  console.table(rows);
}

/** Runs in the child process: one runtime, printed as one JSON line. */
export async function runtimeChild(runtime: 'wasm' | 'native', threads: number): Promise<void> {
  const image = { width: SIZE, height: SIZE, data: new Uint8ClampedArray(SIZE * SIZE * 4).map((_, i) => (i * 2654435761) >>> 24) };
  const request = { image, prompt: 'a red fox in the snow', steps: STEPS, strength: 1, seed: 1, scheduler: 'ddim' as const, maxWorkingPixels: SIZE * SIZE };
  const t0 = performance.now();
  const editor = await createEditor({ model: new NodeFolderSource(`${FIXTURES}sd`), runtime, threads });
  await editor.edit('sdedit', { ...request, steps: 1 }); // sessions created
  const loadMs = performance.now() - t0;
  const t1 = performance.now();
  const result = await editor.edit('sdedit', request);
  const editMs = performance.now() - t1;
  await editor.dispose();
  const times: RuntimeTimes = { runtime, threads, loadMs, stepMs: median(result.timings.stepMs), unetMs: median(result.timings.unetMs), editMs };
  console.log(JSON.stringify(times));
}
