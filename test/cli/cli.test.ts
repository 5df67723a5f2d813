/**
 * The `stipple` bin, built with the project's esbuild config and run as a
 * child process, exactly as scripts outside the repo call it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodePng } from '../../core/image/png-node';
import { CASES, FIXTURES, GOLDEN, loadCase, maxAbsDiff, readFloats } from '../pipelines/golden';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'dist/cli.js');
const run = promisify(execFile);
let out: string;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'stipple-cli-'));
});

async function stipple(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('stipple tokenize', () => {
  it('prints one JSON line per prompt, equal to the golden tokenizer cases', async () => {
    const golden = JSON.parse(readFileSync(join(GOLDEN, 'tokenizer.json'), 'utf8')).cases as {
      prompt: string;
      input_ids: number[];
      num_tokens: number;
      truncated: boolean;
    }[];
    const picked = [golden[0]!, golden[golden.length - 1]!, golden.find((c) => c.truncated)!];
    const r = await stipple(['tokenize', '--model', join(FIXTURES, 'sd'), ...picked.map((c) => c.prompt)]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual(picked.map((c) => ({ input_ids: c.input_ids, num_tokens: c.num_tokens, truncated: c.truncated })));
  });
});

const STATIC_B1 = join(ROOT, 'test/fixtures/variants/static-b1');
const REPOS = CASES.flatMap((k) => [
  { ...k, family: 'tiny-sd' },
  { ...k, family: 'static-b1' },
]);

describe.each(REPOS)('stipple $operation on the $name golden case ($family)', ({ name, operation, family }) => {
  it('--raw equals diffusers output.bin within 1e-4; --out and --json are written', async () => {
    const c = loadCase(name, operation);
    const p = c.json.params;
    const dir = join(GOLDEN, name);
    const args = [
      operation,
      '--model', family === 'static-b1' ? join(STATIC_B1, c.json.model_dir) : c.modelDir,
      '--image', join(dir, c.json.files.input_image),
      '--prompt', c.json.prompt,
      '--negative-prompt', c.json.negative_prompt,
      '--steps', String(p.num_inference_steps),
      '--guidance', String(p.guidance_scale),
      '--scheduler', 'ddim',
      '--noise', join(dir, 'case.json'),
      '--out', join(out, `${name}.png`),
      '--raw', join(out, `${name}.bin`),
      '--json',
    ];
    if (c.json.files.mask_image) args.push('--mask', join(dir, c.json.files.mask_image));
    if (p.strength !== undefined) args.push('--strength', String(p.strength));
    if (p.image_guidance_scale !== undefined) args.push('--image-guidance', String(p.image_guidance_scale));
    const r = await stipple(args);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    const raw = readFloats(join(out, `${name}.bin`));
    expect(maxAbsDiff(raw, readFloats(join(dir, 'output.bin')))).toBeLessThan(1e-4);
    const meta = JSON.parse(r.stdout);
    expect(meta).toMatchObject({ operation, noise: 'injected', timesteps: c.json.timesteps_used, workingWidth: p.width, workingHeight: p.height });
    const png = decodePng(readFileSync(join(out, `${name}.png`)));
    expect([png.width, png.height]).toEqual([p.width, p.height]);
    if (!c.json.files.mask_image) {
      // Whole-image edits: the PNG is diffusers' quantised output, within ±1.
      const ref = decodePng(readFileSync(join(dir, 'output_0.png')));
      let worst = 0;
      for (let i = 0; i < png.data.length; i++) worst = Math.max(worst, Math.abs(png.data[i]! - ref.data[i]!));
      expect(worst).toBeLessThanOrEqual(1);
    }
  });
});

describe('stipple edits: files and errors', () => {
  const sdedit = loadCase('sdedit_img2img', 'sdedit');
  const image = join(GOLDEN, 'sdedit_img2img', 'input.png');

  it('--count 2 writes OUT-1.png and OUT-2.png, reproducible by --seed', async () => {
    const base = ['sdedit', '--model', sdedit.modelDir, '--image', image, '--prompt', 'a fox', '--steps', '2', '--count', '2', '--seed', '5'];
    const a = await stipple([...base, '--out', join(out, 'v.png'), '--raw', join(out, 'v.bin')]);
    expect(a.code).toBe(0);
    expect(existsSync(join(out, 'v-1.png')) && existsSync(join(out, 'v-2.png'))).toBe(true);
    expect(existsSync(join(out, 'v.png'))).toBe(false);
    const b = await stipple([...base, '--out', join(out, 'w.png'), '--raw', join(out, 'w.bin')]);
    expect(b.code).toBe(0);
    expect(readFileSync(join(out, 'w.bin')).equals(readFileSync(join(out, 'v.bin')))).toBe(true);
    expect(readFloats(join(out, 'v.bin')).length).toBe(2 * 64 * 64 * 3);
  });

  it.each([
    [['--image', join(GOLDEN, 'sdedit_img2img', 'case.json')], /must be a PNG/],
    [['--strength', '1.5'], /Strength must be above 0 and at most 1/],
    [['--steps', '0'], /Steps must be a whole number/],
    [['--scheduler', 'heun'], /unknown scheduler/],
    [['--width', '64'], /--width and --height go together/],
    [['--resolution', 'huge'], /unknown resolution "huge"/],
    [['--width', '60', '--height', '64'], /multiples of 8/],
    [['--noise', join(GOLDEN, 'sdedit_img2img', 'case.json'), '--width', '96', '--height', '64'], /recorded noise is for 64x64 px.*96x64/s],
  ])('fails clearly for %j', async (bad, message) => {
    const args = ['sdedit', '--model', sdedit.modelDir, '--image', image, '--prompt', 'x', '--out', join(out, 'bad.png')];
    for (let i = 0; i < bad.length; i += 2) {
      const at = args.indexOf(bad[i]!);
      if (at >= 0) args[at + 1] = bad[i + 1]!;
      else args.push(bad[i]!, bad[i + 1]!);
    }
    const r = await stipple(args);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(existsSync(join(out, 'bad.png'))).toBe(false);
  });

  it('--width/--height and --resolution native choose the working size; --json reports it', async () => {
    const base = ['sdedit', '--model', sdedit.modelDir, '--image', image, '--prompt', 'a fox', '--steps', '2', '--seed', '5', '--json'];
    const wide = await stipple([...base, '--width', '96', '--height', '32', '--out', join(out, 'wide.png')]);
    expect(wide.code).toBe(0);
    expect(JSON.parse(wide.stdout)).toMatchObject({ workingWidth: 96, workingHeight: 32, width: 64, height: 64 });
    expect(wide.stderr).toMatch(/note: .*96x32/);
    const png = decodePng(readFileSync(join(out, 'wide.png')));
    expect([png.width, png.height]).toEqual([64, 64]);
    const native = await stipple([...base, '--resolution', 'native', '--out', join(out, 'native.png')]);
    expect(JSON.parse(native.stdout)).toMatchObject({ workingWidth: 64, workingHeight: 64 });
    // The capability estimate checked before loading rides along.
    expect(JSON.parse(native.stdout).capability).toMatchObject({ fits: true, width: 64, height: 64, backend: expect.stringMatching(/^(wasm|native)$/) });
  });

  it('a full-size model that cannot fit WASM at 512 px is refused before any weight is read', async () => {
    // test/fixtures/realscale/sd has the graphs but no weights: loading would fail on the missing model.onnx_data.
    const r = await stipple([
      'sdedit', '--model', join(ROOT, 'test/fixtures/realscale/sd'), '--image', image, '--prompt', 'a fox',
      '--width', '512', '--height', '512', '--runtime', 'wasm', '--out', join(out, 'full.png'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/too large to edit at 512x512 px on WASM.*Nothing was downloaded or loaded/);
    expect(r.stderr).not.toMatch(/onnx_data/);
    expect(existsSync(join(out, 'full.png'))).toBe(false);
  });

  it('a 4-channel model asked to inpaint names mask-edit', async () => {
    const r = await stipple([
      'inpaint', '--model', sdedit.modelDir, '--image', image, '--mask', join(GOLDEN, 'inpaint_9ch', 'mask.png'),
      '--prompt', 'x', '--out', join(out, 'bad.png'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/mask-edit/);
  });

  it('a folder that is not a model repo is named in the error', async () => {
    const r = await stipple(['tokenize', '--model', out, 'a cat']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/model_index\.json/);
  });
});
