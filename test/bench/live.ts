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
 * TAESD folder, optional; STIPPLE_BENCH_STEPS default 2).
 */
import { rmSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createEditor, type Editor } from '../../core/editor';
import type { LiveOptions, LiveResult, LiveSession } from '../../core/live';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { createRuntime, type ModelSession, type StippleRuntime } from '../../core/runtime';
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
function timedRuntime(totals: Totals): StippleRuntime {
  const base = createRuntime();
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

function testImage(size: number, shift = 0) {
  const data = new Uint8ClampedArray(size * size * 4);
  for (let i = 0; i < data.length; i++) data[i] = i % 4 === 3 ? 255 : ((i * 2654435761) >>> 24) ^ shift;
  return { width: size, height: size, data };
}

function nextResult(live: LiveSession): Promise<LiveResult> {
  return new Promise((resolve, reject) => {
    const stop = live.on('state', (s) => {
      if (s === 'up to date') {
        stop();
        resolve(live.latest!);
      }
      if (s === 'error') reject(new Error('live run failed'));
    });
  });
}

function gc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

interface Target {
  name: string;
  editor: Editor;
  totals: Totals;
  size: number;
  steps: number;
}

async function latencyRows(t: Target, fast: boolean): Promise<Record<string, string>> {
  const options: LiveOptions = { operation: 'sdedit', prompt: 'a red fox in the snow', steps: t.steps, strength: 0.5, guidance: 1, seed: 1, fast };
  const live = t.editor.live({ ...options, maxWorkingPixels: t.size * t.size });
  const parts: Record<Part | 'total' | 'sdk', number[]> = { text: [], encode: [], unet: [], decode: [], total: [], sdk: [] };
  for (let i = 0; i < 13; i++) {
    const before = { ...t.totals };
    const done = nextResult(live);
    live.update(testImage(t.size, i));
    const result = await done;
    if (i < 3) continue; // warm: sessions created, JIT warm, prompt cached
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
  for (let i = 1; i <= 200; i++) {
    const done = nextResult(live);
    live.update(testImage(t.size, i));
    await done;
    if (i === 20 || i === 200) {
      gc();
      at[i] = process.memoryUsage();
    }
  }
  live.close();
  const mb = (k: 'heapUsed' | 'arrayBuffers' | 'rss'): string => ((at[200]![k] - at[20]![k]) / 2 ** 20).toFixed(1);
  return { model: t.name, updates: '200', 'heap growth 20->200 MB': mb('heapUsed'), 'ArrayBuffers growth MB': mb('arrayBuffers'), 'RSS growth MB': mb('rss') };
}

export async function benchLive(): Promise<void> {
  const taesdDir = writeTinyTaesd();
  const targets: { name: string; dir: string; taesd?: string; size: number; steps: number }[] = [
    { name: 'tiny sd', dir: `${FIXTURES}sd`, taesd: taesdDir, size: 64, steps: 2 },
    { name: 'tiny sd', dir: `${FIXTURES}sd`, taesd: taesdDir, size: 256, steps: 2 },
  ];
  const real = process.env['STIPPLE_BENCH_MODEL'];
  if (real) {
    const taesd = process.env['STIPPLE_BENCH_TAESD'];
    targets.push({ name: real, dir: real, ...(taesd ? { taesd } : {}), size: 512, steps: Number(process.env['STIPPLE_BENCH_STEPS'] ?? 2) });
  }
  const latency = [];
  const bursts = [];
  const memoryRows = [];
  try {
    for (const target of targets) {
      const totals: Totals = { text: 0, encode: 0, unet: 0, decode: 0 };
      const editor = await createEditor({
        model: new NodeFolderSource(target.dir),
        runtime: timedRuntime(totals),
        ...(target.taesd ? { taesd: new NodeFolderSource(target.taesd) } : {}),
      });
      const t: Target = { name: target.name, editor, totals, size: target.size, steps: target.steps };
      if (target.taesd) latency.push(await latencyRows(t, true));
      latency.push(await latencyRows(t, false));
      if (target.size >= 256) {
        bursts.push(await backlog(t));
        memoryRows.push(await memory(t));
      }
      await editor.dispose();
    }
  } finally {
    rmSync(taesdDir, { recursive: true, force: true });
  }
  console.log('Live sdedit, update() -> result (median of 10 after 3 warm-up updates; guidance 1, strength 0.5). SDK = everything but the model calls; target < 10%.');
  console.table(latency);
  console.log('20 updates sent 50 ms apart (target: at most 2 runs start after the last update).');
  console.table(bursts);
  console.log('Memory over 200 updates, after GC (target: flat).');
  console.table(memoryRows);
}
