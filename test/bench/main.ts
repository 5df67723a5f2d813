/**
 * `npm run bench`: every benchmark, printed as tables. Ratios are measured
 * side by side in one run, so they hold on a noisy machine where absolute
 * times do not.
 */
import { benchEngine } from './engine';
import { benchEdits } from './edits';
import { benchDelivery } from './delivery';
import { benchBrowser } from './browser';
import { benchLive } from './live';

const only = process.argv[2];
const suites: Record<string, () => Promise<void>> = { engine: benchEngine, edits: benchEdits, delivery: benchDelivery, browser: benchBrowser, live: benchLive };
for (const [name, run] of Object.entries(suites)) {
  if (only && only !== name) continue;
  console.log(`\n## ${name}`);
  await run();
}
