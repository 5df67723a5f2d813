/**
 * `npm run bench image`: the image tools at large sizes (2048 px masks and
 * images). These timings used to be asserted in the unit tests under generous
 * bounds; they are numbers to watch, not pass/fail checks on a shared machine.
 */
import { blurMask, createMask, featherMask, fillHoleTelea, growMask, resizeRgba, shrinkMask, type Mask } from '../../core/image';
import { noiseImage } from '../image/helpers';
import { median, timeRuns } from './measure';

const ROUNDS = 3;

/** A 2048x2048 circle mask of radius 400: hard, with a 1 px anti-aliased edge, or every covered pixel at 0.75. */
function circleMasks(size = 2048): { hard: Mask; aa: Mask; soft: Mask } {
  const hard = createMask(size, size);
  const aa = createMask(size, size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const d = Math.hypot(x - 1100, y - 1000) - 400;
      if (d < 0) hard.data[y * size + x] = 1;
      aa.data[y * size + x] = Math.min(1, Math.max(0, 0.5 - d));
    }
  }
  return { hard, aa, soft: { ...hard, data: hard.data.map((v) => v * 0.75) } };
}

/** A mask covering `[x0, x1) x [y0, y1)`. */
function rectMask(width: number, height: number, x0: number, y0: number, x1: number, y1: number): Mask {
  const m = createMask(width, height);
  for (let y = y0; y < y1; y++) m.data.fill(1, y * width + x0, y * width + x1);
  return m;
}

export async function benchImage(): Promise<void> {
  const { hard, aa, soft } = circleMasks();
  const step = rectMask(2048, 2048, 0, 0, 1024, 2048);
  const big = noiseImage(2048, 2048, 5);
  const small = noiseImage(512, 512, 6);
  const photo = noiseImage(512, 512, 4);
  const hole = rectMask(512, 512, 200, 150, 300, 250);
  const cases: [string, () => unknown][] = [
    ['growMask 2048² hard, 32 px', () => growMask(hard, 32)],
    ['shrinkMask 2048² hard, 32 px', () => shrinkMask(hard, 32)],
    ['growMask 2048² anti-aliased, 32 px', () => growMask(aa, 32)],
    ['shrinkMask 2048² anti-aliased, 32 px', () => shrinkMask(aa, 32)],
    ['growMask 2048² soft, 8 px', () => growMask(soft, 8)],
    ['featherMask 2048², 8 px', () => featherMask(step, 8)],
    ['featherMask 2048², 64 px', () => featherMask(step, 64)],
    ['blurMask 2048², sigma 4 (A1111 default)', () => blurMask(step, 4)],
    ['resizeRgba 2048² -> 512² lanczos', () => resizeRgba(big, 512, 512, 'lanczos')],
    ['resizeRgba 512² -> 2048² bilinear', () => resizeRgba(small, 2048, 2048, 'bilinear')],
    ['fillHoleTelea 512², 100x100 hole, radius 5', () => fillHoleTelea(photo, hole, 5)],
  ];
  const rows = [];
  for (const [what, run] of cases) rows.push({ what, 'median ms': Math.round(median(await timeRuns(run, ROUNDS))) });
  console.log(`Image tools (median of ${ROUNDS}, after one warm-up run)`);
  console.table(rows);
}
