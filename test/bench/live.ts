/**
 * Issue 16's benchmark (`npm run bench live`): live painting.
 *
 * - Time from `update()` to the result, split into the model calls (VAE or
 *   TAESD encode, UNet steps, decode, text encoder: 0 while the prompt is
 *   cached) and the SDK's own overhead (scheduling, framing, compositing,
 *   tensor copies): target < 10% of an update.
 * - 20 updates sent 50 ms apart: runs started after the last update (target <= 2).
 * - Memory over 200 updates: heap and ArrayBuffers after GC, update 20 vs 200.
 *
 * On the tiny fixtures (with the test's random TAESD), and on a real-size
 * model folder when STIPPLE_BENCH_MODEL is set (STIPPLE_BENCH_TAESD: its
 * TAESD folder, optional; STIPPLE_BENCH_STEPS default 2; STIPPLE_BENCH_SIZE
 * default 256, since a 512 px SD 1.5 UNet step does not fit WASM's 4 GiB;
 * STIPPLE_BENCH_RUNTIME `wasm` (default) or `native`). A real-size model gets
 * the latency rows only, over 3 updates after 1 warm-up (each takes seconds to
 * minutes); the burst and memory rows are about the SDK and run on the tiny model.
 */
import { rmSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createEditor, type Editor } from '../../core/editor';
import type { LiveOptions, LiveResult, LiveSession } from '../../core/live';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { createRuntime, openRuntime, type ModelSession, type StippleRuntime } from '../../core/runtime';
import { writeTinyTaesd } from '../live/tiny-taesd';
import { FIXTURES, median } from './measure';

type Part = 'text' | 'encode' | 'unet' | 'decode';
type Totals = Record<Part, number>;

function partOf(file: string): Part {
  if (file.startsWith('text_encoder')) return 'text';
  if (file.startsWith('vae_encoder')) return 'encode';
  if (file.startsWith('vae_decoder')) return 'decode';
  return 'unet';
}

/** A runtime whose sessions add the ms spent in each model call to `totals`. */
function timedRuntime(totals: Totals, base: StippleRuntime = createRuntime()): StippleRuntime {
  const time = (session: ModelSession): void => {
    const part = partOf(session.file);
    const run = session.run.bind(session);
    const runRaw = session.runRaw.bind(session);
    session.run = async (...args) => {
      const t = performance.now();
      try {
        return await run(...args);
      } finally {
        totals[part] += performance.now() - t;
      }
    };
    session.runRaw = async (...args) => {
      const t = performance.now();
      try {
        return await runRaw(...args);
      } finally {
        totals[part] += performance.now() - t;
      }
    };
  };
  const timed =
    <T extends { session: ModelSession }>(create: (repo: Parameters<StippleRuntime['createUnet']>[0]) => Promise<T>) =>
    async (repo: Parameters<StippleRuntime['createUnet']>[0]): Promise<T> => {
      const c = await create(repo);
      time(c.session);
      return c;
    };
  return {
    ...base,
    createSession: async (component) => {
      const s = await base.createSession(component);
      time(s);
      return s;
    },
    createTextEncoder: timed(base.createTextEncoder),
    createUnet: timed(base.createUnet),
    createVaeEncoder: timed(base.createVaeEncoder),
    createVaeDecoder: timed(base.createVaeDecoder),
  };
}

/**
 * A folder read into memory: onnxruntime-node takes external weights as
 * bytes only (it refuses the file paths that onnxruntime-web reads), so the
 * native rows must not get them by path.
 */
class InMemoryFolderSource extends NodeFolderSource {
  override async fileUrl(): Promise<undefined> {
    return undefined;
  }
}

function testImage(size: number, shift = 0) {
  const data = new Uint8ClampedArray(size * size * 4);
  for (let i = 0; i < data.length; i++) data[i] = i % 4 === 3 ? 255 : ((i * 2654435761) >>> 24) ^ shift;
  return { width: size, height: size, data };
}

function nextResult(live: LiveSession): Promise<LiveResult> {
  return new Promise((resolve, reject) => {
    // Both listeners go when one fires: a listener left behind keeps its result (and its pixels) alive.
    const stop = (): void => {
      offState();
      offError();
    };
    const offState = live.on('state', (s) => {
      if (s === 'up to date') {
        stop();
        resolve(live.latest!);
      }
    });
    const offError = live.on('error', (e) => {
      stop();
      reject(e);
    });
  });
}

/**
 * Collects garbage until memory settles: ArrayBuffers are freed by their
 * finalizers after a collection, so one gc() right after an update still
 * counts some of its buffers (it read as 180 MB of "growth" that was not there).
 */
async function gc(): Promise<void> {
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as () => void;
  for (let i = 0; i < 3; i++) {
    collect();
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Target {
  name: string;
  editor: Editor;
  totals: Totals;
  size: number;
  steps: number;
  /** Updates measured after `warmup` ones. */
  updates: number;
  warmup: number;
  runtime: string;
}

async function latencyRows(t: Target, fast: boolean): Promise<Record<string, string>> {
  const options: LiveOptions = { operation: 'sdedit', prompt: 'a red fox in the snow', steps: t.steps, strength: 0.5, guidance: 1, seed: 1, fast };
  const live = t.editor.live({ ...options, maxWorkingPixels: t.size * t.size });
  const parts: Record<Part | 'total' | 'sdk', number[]> = { text: [], encode: [], unet: [], decode: [], total: [], sdk: [] };
  for (let i = 0; i < t.warmup + t.updates; i++) {
    const before = { ...t.totals };
    const done = nextResult(live);
    live.update(testImage(t.size, i));
    const result = await done;
    if (i < t.warmup) continue; // warm: sessions created, JIT warm, prompt cached
    let model = 0;
    for (const p of ['text', 'encode', 'unet', 'decode'] as const) {
      const d = t.totals[p] - before[p];
      parts[p].push(d);
      model += d;
    }
    parts.total.push(result.latencyMs);
    parts.sdk.push(result.latencyMs - model);
  }
  live.close();
  const m = (k: keyof typeof parts): string => median(parts[k]).toFixed(1);
  return {
    model: t.name,
    runtime: t.runtime,
    vae: fast ? 'TAESD' : 'full VAE',
    size: `${t.size}x${t.size}`,
    steps: String(t.steps),
    'update->result ms': m('total'),
    'text ms': m('text'),
    'encode ms': m('encode'),
    'UNet ms': m('unet'),
    'decode ms': m('decode'),
    'SDK ms': m('sdk'),
    'SDK share': `${((median(parts.sdk) / median(parts.total)) * 100).toFixed(1)}%`,
  };
}

async function backlog(t: Target): Promise<Record<string, string>> {
  const live = t.editor.live({ operation: 'sdedit', prompt: 'a red fox in the snow', steps: t.steps, strength: 0.5, guidance: 1, seed: 1, maxWorkingPixels: t.size * t.size });
  const warm = nextResult(live);
  live.update(testImage(t.size));
  await warm;
  const startedBefore = live.stats.runsStarted;
  let startedAtLast = 0;
  for (let i = 0; i < 20; i++) {
    live.update(testImage(t.size, i + 1));
    if (i === 19) startedAtLast = live.stats.runsStarted;
    else await new Promise((r) => setTimeout(r, 50));
  }
  const last = await (live.state === 'up to date' ? Promise.resolve(live.latest!) : nextResult(live));
  const s = live.stats;
  live.close();
  return {
    model: t.name,
    'runs during burst': String(startedAtLast - startedBefore),
    'runs after last update': String(s.runsStarted - startedAtLast),
    'last result shows last update': String(last.version === 21),
  };
}

async function memory(t: Target): Promise<Record<string, string>> {
  const live = t.editor.live({ operation: 'sdedit', prompt: 'a red fox in the snow', steps: t.steps, strength: 0.5, guidance: 1, seed: 1, maxWorkingPixels: t.size * t.size });
  const at: Record<number, NodeJS.MemoryUsage> = {};
  // A second 180 updates tells a one-time growth of ONNX Runtime's WASM heap (it never shrinks) from a leak.
  for (let i = 1; i <= 380; i++) {
    const done = nextResult(live);
    live.update(testImage(t.size, i));
    await done;
    if (i === 20 || i === 200 || i === 380) {
      await gc();
      at[i] = process.memoryUsage();
    }
  }
  live.close();
  const mb = (k: 'heapUsed' | 'arrayBuffers' | 'rss', from: number, to: number): string => ((at[to]![k] - at[from]![k]) / 2 ** 20).toFixed(1);
  return {
    model: t.name,
    'heap MB 20->200 / 200->380': `${mb('heapUsed', 20, 200)} / ${mb('heapUsed', 200, 380)}`,
    'ArrayBuffers MB': `${mb('arrayBuffers', 20, 200)} / ${mb('arrayBuffers', 200, 380)}`,
    'RSS MB': `${mb('rss', 20, 200)} / ${mb('rss', 200, 380)}`,
  };
}

export async function benchLive(): Promise<void> {
  const taesdDir = writeTinyTaesd();
  type Spec = { name: string; dir: string; taesd?: string; size: number; steps: number; updates: number; warmup: number; real: boolean };
  const tiny = { name: 'tiny sd', dir: `${FIXTURES}sd`, taesd: taesdDir, steps: 2, updates: 10, warmup: 3, real: false };
  const real = process.env['STIPPLE_BENCH_MODEL'];
  const runtimeChoice = process.env['STIPPLE_BENCH_RUNTIME'] === 'native' ? 'native' : 'wasm';
  const targets: Spec[] = real
    ? [] // one real-size process at a time: the tiny rows come from a plain `npm run bench live`
    : [
        { ...tiny, size: 64 },
        { ...tiny, size: 256 },
      ];
  if (real) {
    const taesd = process.env['STIPPLE_BENCH_TAESD'];
    const size = Number(process.env['STIPPLE_BENCH_SIZE'] ?? 256);
    targets.push({ name: real, dir: real, ...(taesd ? { taesd } : {}), size, steps: Number(process.env['STIPPLE_BENCH_STEPS'] ?? 2), updates: 3, warmup: 1, real: true });
  }
  const latency = [];
  const bursts = [];
  const memoryRows = [];
  try {
    for (const target of targets) {
      const totals: Totals = { text: 0, encode: 0, unet: 0, decode: 0 };
      const base = runtimeChoice === 'native' ? await openRuntime('native') : createRuntime();
      const editor = await createEditor({
        model: runtimeChoice === 'native' ? new InMemoryFolderSource(target.dir) : new NodeFolderSource(target.dir),
        runtime: timedRuntime(totals, base),
        // STIPPLE_BENCH_LOW_MEMORY=1: the encoders go before the UNet loads (a real-size UNet nearly fills WASM's 4 GiB).
        lowMemory: process.env['STIPPLE_BENCH_LOW_MEMORY'] === '1',
        ...(target.taesd ? { taesd: new NodeFolderSource(target.taesd) } : {}),
      });
      const t: Target = { name: target.name, editor, totals, size: target.size, steps: target.steps, updates: target.updates, warmup: target.warmup, runtime: runtimeChoice };
      if (target.taesd) latency.push(await latencyRows(t, true));
      latency.push(await latencyRows(t, false));
      if (target.size >= 256 && !target.real) {
        bursts.push(await backlog(t));
        memoryRows.push(await memory(t));
      }
      await editor.dispose();
    }
  } finally {
    rmSync(taesdDir, { recursive: true, force: true });
  }
  console.log('Live sdedit, update() -> result (median of 10 after 3 warm-up updates, real-size: 3 after 1; guidance 1, strength 0.5). SDK = everything but the model calls; target < 10%.');
  console.table(latency);
  console.log('20 updates sent 50 ms apart (target: at most 2 runs start after the last update).');
  console.table(bursts);
  console.log('Memory growth over updates 20->200 and 200->380, after GC (target: flat).');
  console.table(memoryRows);
}
