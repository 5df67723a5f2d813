/**
 * Where the realscale suites find the full-size weights: filled by
 * `node test/fixtures/realscale/fill-weights.mjs <dir>` (which `npm run
 * test:realscale` and `.ci/run` do first) into a cache outside the repo.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** `$STIPPLE_REALSCALE_CACHE`, else `~/.cache/stipple-realscale`. */
export const REALSCALE_CACHE = process.env['STIPPLE_REALSCALE_CACHE'] || join(homedir(), '.cache', 'stipple-realscale');

/** The filled fp32 repo; throws with the command to run when it is missing. */
export function realscaleRepo(name: 'sd' | 'sd-fp16' = 'sd'): string {
  const dir = join(REALSCALE_CACHE, name);
  if (!existsSync(join(dir, '.complete'))) {
    throw new Error(`No filled ${name} in ${REALSCALE_CACHE}: run \`node test/fixtures/realscale/fill-weights.mjs ${REALSCALE_CACHE} --repo ${name}\` first.`);
  }
  return dir;
}

/**
 * Records the wasm heaps ONNX Runtime Web makes, to read their size: a wasm
 * memory only grows, so its size after a run is its peak. ORT does not expose
 * its heap; call this before its first session.
 */
export function watchWasmHeaps(): () => number {
  const memories: WebAssembly.Memory[] = [];
  const Original = WebAssembly.Memory;
  const Watched = function (this: unknown, descriptor: WebAssembly.MemoryDescriptor) {
    const memory = new Original(descriptor);
    memories.push(memory);
    return memory;
  } as unknown as typeof WebAssembly.Memory;
  Watched.prototype = Original.prototype;
  (WebAssembly as { Memory: typeof WebAssembly.Memory }).Memory = Watched;
  return () => Math.max(0, ...memories.map((m) => m.buffer.byteLength));
}

/** Samples the process's RSS until stopped; returns the peak in bytes. */
export function watchRss(everyMs = 100): () => number {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), everyMs);
  return () => {
    clearInterval(timer);
    return Math.max(peak, process.memoryUsage().rss);
  };
}
