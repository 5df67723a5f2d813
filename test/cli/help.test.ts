/**
 * Help, version and the mistakes a first-time user makes: a misspelled flag
 * names the closest one, a missing file names its flag (no raw ENOENT), and
 * `tokenize` without a prompt is an error. In process, as the bin runs it;
 * `--version` also through the built bin (the version is bundled).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { USAGE } from '../../plugins/cli/commands';
import { closestFlag } from '../../plugins/cli/help';
import { FIXTURES } from '../pipelines/golden';
import { stippleInProcess as stipple } from './harness';

const ROOT = resolve(__dirname, '../..');
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const IMAGE = join(FIXTURES, 'golden', 'sdedit_img2img', 'input.png');

describe('stipple help and version', () => {
  it('--help prints the whole usage to stdout and exits 0', async () => {
    for (const flag of ['--help', '-h']) {
      const r = await stipple([flag]);
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout).toBe(`${USAGE}\n`);
    }
  });

  it('<command> --help prints only that command\'s usage, wherever --help stands', async () => {
    const cases: [string[], RegExp, RegExp][] = [
      [['inpaint', '--help'], /--masked-content/, /stipple tokenize/],
      [['sdedit', '--steps', '5', '-h'], /--image-guidance/, /stipple diffedit/],
      [['diffedit', '--help'], /--mask-threshold/, /stipple tokenize/],
      [['tokenize', '--help'], /stipple tokenize --model MODEL/, /--steps/],
      [['models', '--help'], /stipple models verify/, /--steps/],
    ];
    for (const [args, has, lacks] of cases) {
      const r = await stipple(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/^Usage:\n/);
      expect(r.stdout).toMatch(has);
      expect(r.stdout).not.toMatch(lacks);
    }
  });

  it('--version prints the package version, in process and from the built bin', async () => {
    const r = await stipple(['--version']);
    expect(r).toMatchObject({ code: 0, stdout: `stipple ${version}\n` });
    const bin = await promisify(execFile)(process.execPath, [join(ROOT, 'dist/cli.js'), '--version']);
    expect(bin.stdout).toBe(`stipple ${version}\n`);
  });
});

describe('stipple mistakes', () => {
  it('a misspelled flag prints the usage with the closest flag of that command', async () => {
    const r = await stipple(['sdedit', '--stpes', '4', '--model', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^stipple: unknown flag --stpes\. Did you mean --steps\?\n/);
    expect(r.stderr).toContain(USAGE);
    const d = await stipple(['diffedit', '--mask-trheshold', '1']);
    expect(d.stderr).toMatch(/Did you mean --mask-threshold\?/);
    const far = await stipple(['inpaint', '--zzzzzzzzzz']);
    expect(far.stderr).toMatch(/^stipple: unknown flag --zzzzzzzzzz\.\n/);
  });

  it('closestFlag picks the nearest known flag, and none when nothing is near', () => {
    const known = ['--steps', '--strength', '--seed', '--mask-blur'];
    expect(closestFlag('--step', known)).toBe('--steps');
    expect(closestFlag('--strenght', known)).toBe('--strength');
    expect(closestFlag('--mask-blurr', known)).toBe('--mask-blur');
    expect(closestFlag('--resolution', known)).toBeUndefined();
  });

  it('a missing file names the flag that named it, not a raw ENOENT', async () => {
    const image = await stipple(['sdedit', '--model', join(FIXTURES, 'sd'), '--image', '/no/such.png', '--prompt', 'a', '--out', '/tmp/x.png']);
    expect(image.code).toBe(1);
    expect(image.stderr).toBe('stipple: --image /no/such.png: there is no such file.\n');
    const model = await stipple(['sdedit', '--model', '/no/such-model', '--image', IMAGE, '--prompt', 'a', '--out', '/tmp/x.png']);
    expect(model.code).toBe(1);
    expect(model.stderr).toBe('stipple: --model /no/such-model: there is no such folder (nor a preset of that name).\n');
    for (const r of [image, model]) expect(r.stderr).not.toMatch(/ENOENT/);
  });

  it('tokenize without a prompt is an error', async () => {
    const r = await stipple(['tokenize', '--model', join(FIXTURES, 'sd')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^stipple: tokenize needs a PROMPT to tokenize\./);
  });
});
