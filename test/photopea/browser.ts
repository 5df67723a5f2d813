/**
 * Chromium for the Photopea browser test: Debian's Chromium driven by
 * playwright-core (never `npx playwright install`); screenshots go to
 * test/artifacts (ignored by git).
 */
import { mkdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_BASE_ARGS, CHROMIUM_PATH } from '../browser/harness';

export const CHROMIUM = CHROMIUM_PATH;

export const CHROMIUM_ARGS = [
  ...CHROMIUM_BASE_ARGS,
  // The fake Photopea is an https page framing a loopback page (Local Network Access checks).
  '--disable-features=LocalNetworkAccessChecks',
];

/** Path of a screenshot in test/artifacts (created if needed). */
export function artifact(name: string): string {
  const dir = fileURLToPath(new URL('../artifacts/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

/** A fresh temporary folder. */
export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}
