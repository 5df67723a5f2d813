/** Issue 13: how many bad CLI inputs were tried and how many ended cleanly (exit 1, one line, nothing written). */
import { badInputs, tryBadInput, workspace } from '../reliability/bad-cli-inputs';
import { FIXTURES } from './measure';

export async function benchReliability(): Promise<void> {
  const w = workspace(FIXTURES.replace(/\/$/, ''));
  const cases = badInputs(w);
  const failed: { input: string; problem: string }[] = [];
  const t = performance.now();
  for (const c of cases) {
    const { problem } = await tryBadInput(w, c);
    if (problem) failed.push({ input: c.name, problem });
  }
  const ms = performance.now() - t;
  console.log(`Bad CLI inputs: ${cases.length} tried, ${cases.length - failed.length} handled (${(ms / cases.length).toFixed(1)} ms each)`);
  if (failed.length) console.table(failed);
}
