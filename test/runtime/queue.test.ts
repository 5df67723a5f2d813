import { describe, expect, it } from 'vitest';
import { createRuntime } from '../../core/runtime';
import { runExclusive } from '../../core/runtime/queue';
import { loadModelRepo } from '../../core/models';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { GOLDEN, TINY, maxAbsDiff, readCase, readF32 } from './helpers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('runExclusive', () => {
  it('runs tasks on one key one at a time, in order, past failures', async () => {
    const key = {};
    const log: string[] = [];
    const task = (name: string, ms: number, fail = false) => async () => {
      log.push(`start ${name}`);
      await sleep(ms);
      log.push(`end ${name}`);
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([
      runExclusive(key, task('a', 20)),
      runExclusive(key, task('b', 5, true)),
      runExclusive(key, task('c', 1)),
    ]);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('does not serialise different keys against each other', async () => {
    const log: string[] = [];
    await Promise.all([
      runExclusive({}, async () => {
        log.push('start 1');
        await sleep(20);
        log.push('end 1');
      }),
      runExclusive({}, async () => {
        log.push('start 2');
        await sleep(1);
        log.push('end 2');
      }),
    ]);
    expect(log.slice(0, 2)).toEqual(['start 1', 'start 2']);
  });
});

describe('concurrent use of one runtime', () => {
  it('overlapping create and run calls all succeed', async () => {
    const repo = await loadModelRepo(new NodeFolderSource(`${TINY}sd`));
    const runtime = createRuntime();
    const c = readCase('sdedit_img2img');
    const [a, b] = await Promise.all([runtime.createTextEncoder(repo), runtime.createTextEncoder(repo)]);
    const outs = await Promise.all([1, 2, 3, 4].map((i) => (i % 2 ? a : b).encode([c.prompt_input_ids])));
    const golden = readF32(`${GOLDEN}sdedit_img2img/prompt_embeds.bin`);
    for (const o of outs) expect(maxAbsDiff(o.data, golden)).toBeLessThan(1e-4);
    await Promise.all([a.release(), b.release()]);
    await expect(a.encode([c.prompt_input_ids])).rejects.toThrow(/released/);
  });
});
