/** Download progress on stderr: a bar on a terminal, lines in logs, nothing with --quiet. */
import { describe, expect, it } from 'vitest';
import type { DownloadProgress } from '../../core/delivery';
import { barLine, progressReporter, progressStyle } from '../../plugins/cli/progress';

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, isTTY, columns: 100, write: (t: string) => writes.push(t) };
}
const event = (status: DownloadProgress['status'], totalLoaded: number, extra: Partial<DownloadProgress> = {}): DownloadProgress => ({
  status, model: 'm', file: 'unet/model.onnx', loaded: totalLoaded, total: 4_000_000, progress: 0, totalLoaded, totalBytes: 4_000_000, ...extra,
});

describe('CLI download progress', () => {
  it('picks a bar on a TTY, lines otherwise, nothing with --quiet', () => {
    expect([progressStyle(false, sink(true)), progressStyle(undefined, sink(false)), progressStyle(true, sink(true))]).toEqual(['bar', 'lines', 'quiet']);
    expect(progressReporter('quiet')).toBeUndefined();
  });

  it('bar: bytes, rate and ETA, rate counted from the first event (resumed bytes do not inflate it)', () => {
    const s = sink(true);
    let t = 0;
    const report = progressReporter('bar', s, () => t)!;
    report(event('initiate', 1_000_000)); // resumed: 1 MB already stored
    t = 1000;
    report(event('progress', 2_000_000)); // 1 MB in 1 s
    t = 2000;
    report(event('ready', 4_000_000, { file: undefined }));
    expect(s.writes[0]).toBe(`\r${barLine({ totalLoaded: 2_000_000, totalBytes: 4_000_000 }, 1_000_000, 100)}`);
    expect(s.writes[0]).toMatch(/^\r\[#{12}-{12}\] 2.00 MB \/ 4.00 MB {2}1.00 MB\/s {2}ETA 2 s/);
    expect(s.writes.at(-1)).toBe('\n');
  });

  it('lines: one per finished file and one when the model is ready', () => {
    const s = sink(false);
    const report = progressReporter('lines', s)!;
    report(event('progress', 10));
    report(event('done', 4_000_000, { total: 4_000_000 }));
    report(event('ready', 4_000_000, { file: undefined }));
    expect(s.writes).toEqual(['stipple: downloaded unet/model.onnx (4.00 MB)\n', 'stipple: model m ready (4.00 MB)\n']);
  });
});
