/**
 * Python's json writes NaN, Infinity and -Infinity as bare words; every JSON
 * Stipple reads from a repo or a recording must accept them.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../core/errors';
import { loadModelRepo } from '../../core/models';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { parsePythonJson } from '../../core/python-json';
import { createScheduler } from '../../core/schedulers';
import { readFixtureNoise } from '../../core/tensor';
import { TINY } from '../runtime/helpers';

const tmpDirs: string[] = [];
afterAll(async () => {
  await Promise.all(tmpDirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('parsePythonJson', () => {
  it('reads the three non-finite words where values stand', () => {
    const v = parsePythonJson('{"a": NaN, "b": Infinity, "c": -Infinity, "d": [1, -Infinity, NaN], "e": -1.5e3}') as Record<string, unknown>;
    expect(v['a']).toBeNaN();
    expect(v['b']).toBe(Infinity);
    expect(v['c']).toBe(-Infinity);
    expect((v['d'] as number[])[1]).toBe(-Infinity);
    expect((v['d'] as number[])[2]).toBeNaN();
    expect(v['e']).toBe(-1500);
  });

  it('leaves the words alone inside strings, escapes included', () => {
    const v = parsePythonJson('{"NaN": "Infinity", "q": "say \\"NaN\\" -Infinity", "x": NaN}') as Record<string, unknown>;
    expect(v['NaN']).toBe('Infinity');
    expect(v['q']).toBe('say "NaN" -Infinity');
    expect(v['x']).toBeNaN();
  });

  it('a string that looks like its internal marker stays a string', () => {
    const v = parsePythonJson('{"s": "stipple-nonfinite:NaN", "n": NaN}') as Record<string, unknown>;
    expect(v['s']).toBe('stipple-nonfinite:NaN');
    expect(v['n']).toBeNaN();
  });

  it('strips a byte-order mark and is plain JSON.parse otherwise', () => {
    expect(parsePythonJson('\uFEFF{"a": 1}')).toEqual({ a: 1 });
    expect(() => parsePythonJson('{"a": NaNa}')).toThrow(SyntaxError);
    expect(() => parsePythonJson('{"a": Inf}')).toThrow(SyntaxError);
    expect(() => parsePythonJson('{"a": }')).toThrow(SyntaxError);
  });
});

async function pythonStyleRepo(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'stipple-pyjson-'));
  tmpDirs.push(dir);
  await cp(`${TINY}sd`, dir, { recursive: true });
  // What diffusers writes for a DPMSolverMultistepScheduler, and Python floats elsewhere.
  const sched = JSON.parse(await readFile(join(dir, 'scheduler/scheduler_config.json'), 'utf8'));
  const schedText = JSON.stringify({ ...sched, _class_name: 'DPMSolverMultistepScheduler', lambda_min_clipped: 0 }, null, 2)
    .replace('"lambda_min_clipped": 0', '"lambda_min_clipped": -Infinity');
  await writeFile(join(dir, 'scheduler/scheduler_config.json'), schedText);
  for (const file of ['model_index.json', 'unet/config.json', 'vae_decoder/config.json', 'tokenizer/tokenizer_config.json']) {
    const text = await readFile(join(dir, file), 'utf8');
    await writeFile(join(dir, file), text.replace(/^\{/, '{\n  "python_nan": NaN,\n  "python_inf": Infinity,'));
  }
  return dir;
}

describe('repos written by Python', () => {
  it('load, and the -Infinity lambda_min_clipped reaches the DPM++ scheduler', async () => {
    const dir = await pythonStyleRepo();
    const schedText = await readFile(join(dir, 'scheduler/scheduler_config.json'), 'utf8');
    expect(() => JSON.parse(schedText)).toThrow();
    const repo = await loadModelRepo(new NodeFolderSource(dir));
    expect(repo.schedulerConfig['lambda_min_clipped']).toBe(-Infinity);
    expect(repo.unetConfig['python_inf']).toBe(Infinity);
    expect(repo.vaeConfig['python_nan']).toBeNaN();
    expect(repo.modelIndex?.['python_nan']).toBeNaN();
    const scheduler = createScheduler(undefined, repo.schedulerConfig);
    expect(scheduler.name).toBe('dpmpp-2m');
    scheduler.setTimesteps(20);
    expect(scheduler.timesteps).toHaveLength(20);
    expect(repo.tokenizer.encode('a photo of a cat').inputIds.slice(0, 6)).toEqual([49406, 320, 1125, 539, 320, 2368]);
  });

  it('a config that is not JSON even for Python still names the file', async () => {
    const dir = await pythonStyleRepo();
    await writeFile(join(dir, 'unet/config.json'), '{"in_channels": 4, "x": -Inf}');
    const err = await loadModelRepo(new NodeFolderSource(dir)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFormatError);
    expect((err as ModelFormatError).file).toBe('unet/config.json');
  });
});

describe('noise recordings written by Python', () => {
  it('a case.json with NaN and -Infinity metadata replays its noise', async () => {
    const text = '{"pipeline": "x", "params": {"eta": NaN, "clip": -Infinity}, "noise": [{"order": 0, "label": "initial_noise", "file": "n.bin", "shape": [1, 2]}]}';
    const recs = await readFixtureNoise(parsePythonJson(text), async () => new Uint8Array(new Float32Array([0.5, -2]).buffer));
    expect(recs).toHaveLength(1);
    expect(Array.from(recs[0]!.data)).toEqual([0.5, -2]);
  });
});
