/**
 * Builds dist/ once before any test file runs: the CLI and package tests run
 * the built bundles, and building per file would race on the same outputs.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

export default function setup(): void {
  execFileSync(process.execPath, ['esbuild.config.mjs'], { cwd: resolve(__dirname, '..'), stdio: 'inherit' });
}
