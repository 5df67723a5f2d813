/**
 * Reliability: every bad CLI input ends in exit code 1, a one-line message,
 * and no file written or changed (the table is in ./bad-cli-inputs).
 */
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../pipelines/golden';
import { badInputs, tryBadInput, workspace } from './bad-cli-inputs';

const w = workspace(FIXTURES);
const cases = badInputs(w);

describe('bad CLI inputs', () => {
  it('covers every edit flag', () => {
    expect(cases.length).toBeGreaterThan(150);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s is refused cleanly', async (_name, c) => {
    const { result, problem } = await tryBadInput(w, c);
    expect(problem, result.stderr).toBeNull();
  });
});
