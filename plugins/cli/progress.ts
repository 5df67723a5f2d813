/**
 * Download progress on stderr, so stdout stays clean for `--json` and
 * `tokenize`: a redrawn bar with bytes, rate and ETA on a terminal, one line
 * per finished file when stderr is a file or a pipe (CI logs), nothing with
 * `--quiet`.
 */
import { formatBytes, type DownloadProgress, type DownloadProgressCallback } from '../../core/delivery';

export type ProgressStyle = 'bar' | 'lines' | 'quiet';

/** Where the reporter writes; `process.stderr` by default. */
export interface ProgressSink {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** `bar` on a terminal, `lines` otherwise, `quiet` when asked. */
export function progressStyle(quiet: boolean | undefined, sink: ProgressSink = process.stderr): ProgressStyle {
  if (quiet) return 'quiet';
  return sink.isTTY ? 'bar' : 'lines';
}

/** Redraws of the bar per second, at most: a terminal needs no more. */
const REDRAW_MS = 100;

/** A progress callback for the downloader that writes in `style` to `sink`. */
export function progressReporter(style: ProgressStyle, sink: ProgressSink = process.stderr, now: () => number = () => performance.now()): DownloadProgressCallback | undefined {
  if (style === 'quiet') return undefined;
  let start: { time: number; bytes: number } | undefined;
  let lastDraw = -Infinity;
  let drawn = false;
  const rate = (e: DownloadProgress): number => {
    const s = start ?? { time: now(), bytes: e.totalLoaded };
    const seconds = (now() - s.time) / 1000;
    return seconds > 0 ? (e.totalLoaded - s.bytes) / seconds : 0;
  };
  return (e) => {
    // Bytes resumed from an earlier run are already there at the first event: they do not count for the rate.
    start ??= { time: now(), bytes: e.totalLoaded };
    if (style === 'lines') {
      if (e.status === 'done') sink.write(`stipple: downloaded ${e.file} (${formatBytes(e.total)})\n`);
      if (e.status === 'ready') sink.write(`stipple: model ${e.model} ready (${formatBytes(e.totalBytes)})\n`);
      return;
    }
    if (e.status === 'ready' || e.status === 'error') {
      if (drawn) sink.write('\n');
      drawn = false;
      return;
    }
    if (e.status !== 'progress' && e.status !== 'done') return;
    const t = now();
    if (t - lastDraw < REDRAW_MS && e.totalLoaded < e.totalBytes) return;
    lastDraw = t;
    drawn = true;
    sink.write(`\r${barLine(e, rate(e), sink.columns ?? 80)}`);
  };
}

/** `[#####-----] 12.3 MB / 40.0 MB  3.20 MB/s  ETA 9 s`, cut to the terminal's width. */
export function barLine(e: Pick<DownloadProgress, 'totalLoaded' | 'totalBytes'>, bytesPerSecond: number, columns: number): string {
  const fraction = e.totalBytes > 0 ? Math.min(1, e.totalLoaded / e.totalBytes) : 0;
  const width = 24;
  const filled = Math.round(fraction * width);
  const eta = bytesPerSecond > 0 && e.totalBytes > e.totalLoaded ? `ETA ${formatDuration((e.totalBytes - e.totalLoaded) / bytesPerSecond)}` : '';
  const text = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${formatBytes(e.totalLoaded)} / ${formatBytes(e.totalBytes)}  ${formatBytes(bytesPerSecond)}/s  ${eta}`;
  return text.slice(0, Math.max(10, columns - 1)).padEnd(Math.min(columns - 1, text.length + 8));
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}
