/**
 * `npm run bench`: every benchmark, printed as tables. Ratios are measured
 * side by side in one run, so they hold on a noisy machine where absolute
 * times do not.
 */
import { benchEngine } from './engine';
import { benchEdits } from './edits';
import { benchDelivery } from './delivery';
import { benchBrowser } from './browser';
import { benchDiffEdit } from './diffedit';
import { benchReliability } from './reliability';
import { benchLive } from './live';
import { benchImage } from './image';
import { benchPackage } from './package';
import { benchRuntimes, RUNTIME_CHILD, runtimeChild } from './runtimes';
import { benchRealscale, REALSCALE_CHILD, realscaleChild } from './realscale';

const only = process.argv[2];
const suites: Record<string, () => Promise<void>> = {
  engine: benchEngine,
  edits: benchEdits,
  runtimes: benchRuntimes,
  delivery: benchDelivery,
  browser: benchBrowser,
  reliability: benchReliability,
  diffedit: benchDiffEdit,
  live: benchLive,
  image: benchImage,
  package: benchPackage,
  realscale: benchRealscale,
};
/** Suites that run only when named (`npm run bench realscale`): full-size weights, GBs of memory. */
const OPT_IN = new Set(['realscale']);
if (only === RUNTIME_CHILD) {
  await runtimeChild(process.argv[3] as 'wasm' | 'native', Number(process.argv[4]));
} else if (only === REALSCALE_CHILD) {
  await realscaleChild(process.argv[3] as 'wasm' | 'native', Number(process.argv[4]));
} else {
  for (const [name, run] of Object.entries(suites)) {
    if (only ? only !== name : OPT_IN.has(name)) continue;
    console.log(`\n## ${name}`);
    await run();
  }
}
