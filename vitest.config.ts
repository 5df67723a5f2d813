import { defineConfig } from 'vitest/config';

/**
 * `npm test` runs every suite but the slow ones (`*.slow.test.ts`: WebGPU on
 * SwiftShader, about a minute per golden case; downloads through real retry
 * backoff); `npm run test:slow`
 * (STIPPLE_TESTS=slow) runs only those. `.ci/run` runs both.
 * `npm run test:realscale` (STIPPLE_TESTS=realscale) runs only
 * `*.realscale.test.ts`: full-size models, GBs of weights filled first.
 */
const slow = process.env.STIPPLE_TESTS === 'slow';
const realscale = process.env.STIPPLE_TESTS === 'realscale';

export default defineConfig({
  test: {
    include: [realscale ? 'test/**/*.realscale.test.ts' : slow ? 'test/**/*.slow.test.ts' : 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...(slow || realscale ? [] : ['test/**/*.slow.test.ts', 'test/**/*.realscale.test.ts'])],
    globalSetup: ['test/global-setup.ts'],
    // The JSON report lets .ci/run print a plain 'N passed, N failed' line.
    reporters: ['default', ['json', { outputFile: `test/artifacts/vitest${slow ? '-slow' : realscale ? '-realscale' : ''}.json` }]],
    // ORT wasm sessions are CPU-heavy and the CI machine has 2 cores: keep
    // parallelism modest so timings stay sane and memory stays low.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: realscale ? 900_000 : slow ? 300_000 : 120_000,
    hookTimeout: 120_000,
  },
});
