/**
 * The CLI never destroys the user's files: outputs that would overwrite an
 * input, or each other, and missing folders are refused before the model
 * runs; outputs are written to temporary files and renamed, all or none.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../core/image';
import { outputPaths, planOutputs, writeAllOrNothing } from '../../plugins/cli/outputs';
import { FIXTURES, GOLDEN } from '../pipelines/golden';
import { snapshot, stippleInProcess } from './harness';

const MODEL = join(FIXTURES, 'sd');
/** A model folder that does not exist: an error about it means a check ran too late. */
const NO_MODEL = '/nonexistent/stipple-model';
let dir: string;
let image: string;
let mask: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stipple-out-'));
  image = join(dir, 'in.png');
  mask = join(dir, 'mask.png');
  copyFileSync(join(GOLDEN, 'sdedit_img2img', 'input.png'), image);
  copyFileSync(join(GOLDEN, 'inpaint_9ch', 'mask.png'), mask);
});

const sdedit = (model: string, ...more: string[]): string[] => ['sdedit', '--model', model, '--image', image, '--prompt', 'x', '--steps', '2', ...more];

describe('outputs refused before the model runs', () => {
  it.each([
    ['--out equal to --image', () => ['--out', image], /would overwrite --image/],
    ['--out equal to --image through ./', () => ['--out', join(dir, '.', 'in.png')], /would overwrite --image/],
    ['--out equal to --mask', () => ['--mask', mask, '--out', mask], /would overwrite --mask/],
    ['--raw equal to --out', () => ['--out', join(dir, 'o.png'), '--raw', join(dir, 'o.png')], /--raw .* is the same file as --out/],
    ['--raw equal to --image', () => ['--out', join(dir, 'o.png'), '--raw', image], /would overwrite --image/],
    ['--raw equal to the second of --count 2', () => ['--out', join(dir, 'o.png'), '--count', '2', '--raw', join(dir, 'o-2.png')], /same file/],
    ['a missing output folder', () => ['--out', join(dir, 'missing', 'o.png')], /folder .*missing does not exist/],
    ['a folder as the output', () => ['--out', dir], /not a file/],
  ])('%s', async (_what, extra, message) => {
    const before = snapshot(dir);
    const r = await stippleInProcess(sdedit(NO_MODEL, ...extra()));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(snapshot(dir)).toEqual(before);
  });

  it('--count 3 where the third output is a folder: refused, and none written', async () => {
    mkdirSync(join(dir, 'o-3.png'));
    const before = snapshot(dir);
    const r = await stippleInProcess(sdedit(MODEL, '--count', '3', '--out', join(dir, 'o.png')));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--out .*o-3\.png is not a file/);
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('outputs written safely', () => {
  it('replaces an existing output by rename, and leaves no temporary file', async () => {
    const out = join(dir, 'o.png');
    writeFileSync(out, 'old');
    const r = await stippleInProcess(sdedit(MODEL, '--seed', '1', '--out', out, '--raw', join(dir, 'o.bin')));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['in.png', 'mask.png', 'o.bin', 'o.png']);
    expect([...readFileSync(out).subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });

  it('writeAllOrNothing: when one file cannot be written, none is, and no temporary file stays', async () => {
    writeFileSync(join(dir, 'a.png'), 'keep');
    const files = [
      { path: join(dir, 'a.png'), bytes: new Uint8Array([1, 2, 3]) },
      { path: join(dir, 'gone', 'b.png'), bytes: new Uint8Array([4]) },
    ];
    await expect(writeAllOrNothing(files)).rejects.toThrow();
    expect(readFileSync(join(dir, 'a.png'), 'utf8')).toBe('keep');
    expect(readdirSync(dir).sort()).toEqual(['a.png', 'in.png', 'mask.png']);
  });

  it('writeAllOrNothing writes every file in full', async () => {
    const files = [
      { path: join(dir, 'a.png'), bytes: new Uint8Array([1, 2, 3]) },
      { path: join(dir, 'b.bin'), bytes: new Uint8Array(100_000).fill(7) },
    ];
    await writeAllOrNothing(files);
    expect([...readFileSync(join(dir, 'a.png'))]).toEqual([1, 2, 3]);
    expect(readFileSync(join(dir, 'b.bin')).length).toBe(100_000);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('planOutputs names OUT-1.. for several images and refuses clashes with a typed error', async () => {
    expect(outputPaths('x/o.png', 2)).toEqual(['x/o-1.png', 'x/o-2.png']);
    const plan = await planOutputs(join(dir, 'o.png'), undefined, 2, { '--image': image });
    expect(plan.images).toEqual([join(dir, 'o-1.png'), join(dir, 'o-2.png')]);
    await expect(planOutputs(image, undefined, 1, { '--image': image })).rejects.toBeInstanceOf(InvalidInputError);
    expect(existsSync(join(dir, 'o-1.png'))).toBe(false);
  });
});
