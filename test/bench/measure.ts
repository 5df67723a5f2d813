/** Small timing helpers shared by the benchmarks. */

/** Median of a list of numbers. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Runs `fn` `times` times after `warmup` runs and returns each run's ms. */
export async function timeRuns(fn: () => unknown, times: number, warmup = 1): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

/** Samples process memory every few ms while `fn` runs; returns the peaks above the starting values. */
export async function peakMemory<T>(fn: () => Promise<T>): Promise<{ result: T; rssMB: number; arrayBuffersMB: number; peakRssMB: number }> {
  const start = process.memoryUsage();
  let rss = start.rss;
  let ab = start.arrayBuffers;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    ab = Math.max(ab, m.arrayBuffers);
  }, 5);
  try {
    const result = await fn();
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    ab = Math.max(ab, m.arrayBuffers);
    return { result, rssMB: (rss - start.rss) / 2 ** 20, arrayBuffersMB: (ab - start.arrayBuffers) / 2 ** 20, peakRssMB: rss / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

export const FIXTURES = new URL('../fixtures/tiny-sd/', `file://${process.cwd()}/test/bench/`).pathname;
