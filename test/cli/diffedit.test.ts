/**
 * `stipple diffedit`, run as scripts outside the repo run it: the three
 * diffusers cases through every output flag, the defaults the issue fixes,
 * a mask round trip through --mask-out / --mask, and clear failures.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodePng } from '../../core/image/png-node';
import { DIFFEDIT_CASES, diffEditFile, loadDiffEditCase } from '../pipelines/diffedit-golden';
import { FIXTURES, maxAbsDiff, readFloats } from '../pipelines/golden';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'dist/cli.js');
const exec = promisify(execFile);
let out: string;

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'stipple-diffedit-'));
});

async function stipple(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe.each(DIFFEDIT_CASES)('stipple diffedit on %s', (name) => {
  it('--mask-raw exact, --inverted-raw within 2e-3, --raw within 1e-2; --out, --mask-out, --json written', async () => {
    const c = loadDiffEditCase(name);
    const { prompts: p, generate_mask: g, invert: inv, call } = c.json;
    const f = (ext: string) => join(out, `${name}${ext}`);
    const r = await stipple([
      'diffedit',
      '--model', c.modelDir,
      '--image', join(c.dir, 'input.png'),
      '--source-prompt', p.mask_source_prompt.text,
      '--prompt', p.call_prompt.text,
      '--source-negative-prompt', p.mask_source_negative_prompt.text,
      '--negative-prompt', p.mask_target_negative_prompt.text,
      '--invert-negative-prompt', p.invert_negative_prompt.text,
      '--edit-negative-prompt', p.call_negative_prompt.text,
      '--steps', String(call.params.num_inference_steps),
      '--strength', String(call.params.inpaint_strength),
      '--guidance', String(call.params.guidance_scale),
      '--invert-guidance', String(inv.params.guidance_scale),
      '--mask-steps', String(g.params.num_inference_steps),
      '--mask-strength', String(g.params.mask_encode_strength),
      '--mask-guidance', String(g.params.guidance_scale),
      '--mask-maps', String(g.params.num_maps_per_mask),
      '--mask-threshold', String(g.params.mask_thresholding_ratio),
      '--noise', join(c.dir, 'case.json'),
      '--out', f('.png'),
      '--raw', f('.bin'),
      '--mask-out', f('-mask.png'),
      '--mask-raw', f('-mask.bin'),
      '--inverted-raw', f('-inv.bin'),
      '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(Array.from(readFloats(f('-mask.bin')))).toEqual(Array.from(diffEditFile(c, 'mask.bin')));
    expect(maxAbsDiff(readFloats(f('-inv.bin')), diffEditFile(c, 'inverted.bin'))).toBeLessThan(2e-3);
    expect(maxAbsDiff(readFloats(f('.bin')), diffEditFile(c, 'output.bin'))).toBeLessThan(1e-2);
    const meta = JSON.parse(r.stdout);
    expect(meta).toMatchObject({
      operation: 'diffedit',
      noise: 'injected',
      timesteps: call.timesteps_used,
      diffedit: { maskGenerated: true, maskDims: [1, 8, 8], invertedDims: c.json.inverted.shape },
    });
    expect(meta.diffedit.stages.mask.unetCalls).toBe(g.params.num_maps_per_mask);
    const png = decodePng(readFileSync(f('.png')));
    const maskPng = decodePng(readFileSync(f('-mask.png')));
    expect([png.width, png.height, maskPng.width, maskPng.height]).toEqual([64, 64, 64, 64]);
  });
});

describe('stipple diffedit defaults, mask round trip and errors', () => {
  const model = join(FIXTURES, 'sd');
  const image = join(FIXTURES, 'golden-diffedit', 'diffedit_basic_ratio2', 'input.png');
  const base = ['diffedit', '--model', model, '--image', image, '--source-prompt', 'a bowl of fruit', '--prompt', 'a bowl of pears'];

  it('fills the issue defaults and takes the mask it wrote back with --mask, skipping generation', async () => {
    const first = await stipple([...base, '--steps', '4', '--seed', '9', '--mask-maps', '2', '--mask-threshold', '1.5',
      '--out', join(out, 'd1.png'), '--mask-out', join(out, 'd1-mask.png'), '--mask-raw', join(out, 'd1-mask.bin'), '--json']);
    expect(first.code).toBe(0);
    const meta = JSON.parse(first.stdout);
    expect(meta.params).toMatchObject({ negativePrompt: 'a bowl of fruit', strength: 0.8, guidance: 7.5, scheduler: 'ddim', steps: 4 });
    expect(meta.params.diffedit).toEqual({
      sourcePrompt: 'a bowl of fruit',
      sourceNegativePrompt: '',
      targetNegativePrompt: '',
      invertNegativePrompt: '',
      invertGuidance: 7.5,
      maskSteps: 4,
      maskStrength: 0.5,
      maskGuidance: 7.5,
      maskMaps: 2,
      maskThreshold: 1.5,
    });
    const second = await stipple([...base, '--steps', '4', '--seed', '9', '--mask', join(out, 'd1-mask.png'),
      '--out', join(out, 'd2.png'), '--mask-raw', join(out, 'd2-mask.bin'), '--json']);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).diffedit).toMatchObject({ maskGenerated: false });
    expect(Array.from(readFloats(join(out, 'd2-mask.bin')))).toEqual(Array.from(readFloats(join(out, 'd1-mask.bin'))));
  });

  it.each([
    [['--source-prompt'], /diffedit needs --source-prompt TEXT/],
    [['--mask-maps', '0'], /mask maps must be a whole number from 1 to 64/],
    [['--mask-strength', 'lots'], /--mask-strength needs a decimal number/],
    [['--invert-guidance=-2'], /Inversion guidance must be a number from 0 to 100/],
  ])('fails clearly for %j and writes nothing', async (bad, message) => {
    const args = [...base, '--out', join(out, 'bad.png')];
    if (bad[0] === '--source-prompt') args.splice(args.indexOf(bad[0]), 2);
    else args.push(...bad);
    const r = await stipple(args);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(existsSync(join(out, 'bad.png'))).toBe(false);
  });
});
