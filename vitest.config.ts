import { defineConfig } from 'vitest/config';

/**
 * `npm test` runs every suite but the slow ones (`*.slow.test.ts`: WebGPU on
 * SwiftShader, about a minute per golden case; downloads through real retry
 * backoff); `npm run test:slow`
 * (STIPPLE_TESTS=slow) runs only those. `.ci/run` runs both.
 */
const slow = process.env.STIPPLE_TESTS === 'slow';

export default defineConfig({
  test: {
    include: [slow ? 'test/**/*.slow.test.ts' : 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...(slow ? [] : ['test/**/*.slow.test.ts'])],
    globalSetup: ['test/global-setup.ts'],
    // The JSON report lets .ci/run print a plain 'N passed, N failed' line.
    reporters: ['default', ['json', { outputFile: slow ? 'test/artifacts/vitest-slow.json' : 'test/artifacts/vitest.json' }]],
    // ORT wasm sessions are CPU-heavy and the CI machine has 2 cores: keep
    // parallelism modest so timings stay sane and memory stays low.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: slow ? 300_000 : 120_000,
    hookTimeout: 120_000,
  },
});
