/**
 * `--runtime auto|wasm|native` and `--threads N` on the bin: what ran is in
 * the `--json` metadata, both runtimes give the same edit, bad values fail
 * before anything is written.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { nativeRuntimeInstalled } from '../../core/runtime';
import { GOLDEN, loadCase, maxAbsDiff, readFloats } from '../pipelines/golden';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'dist/cli.js');
const NATIVE = await nativeRuntimeInstalled();
const out = mkdtempSync(join(tmpdir(), 'stipple-runtime-'));
const c = loadCase('sdedit_img2img', 'sdedit');

async function sdedit(name: string, extra: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = [
    CLI, 'sdedit', '--model', c.modelDir, '--image', join(GOLDEN, 'sdedit_img2img', 'input.png'), '--prompt', 'a fox',
    '--steps', '3', '--seed', '3', '--out', join(out, `${name}.png`), '--raw', join(out, `${name}.bin`), '--json', ...extra,
  ];
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args, { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (e) {
    return e as { code: number; stdout: string; stderr: string };
  }
}

describe('stipple --runtime / --threads', () => {
  it('reports the runtime and threads in --json; auto picks native when installed, with every core', async () => {
    const wasm = await sdedit('wasm', ['--runtime', 'wasm', '--threads', '1']);
    expect(wasm.code, wasm.stderr).toBe(0);
    expect(JSON.parse(wasm.stdout)).toMatchObject({ runtime: 'wasm', threads: 1 });
    const auto = await sdedit('auto', []);
    expect(auto.code, auto.stderr).toBe(0);
    const cores = availableParallelism();
    expect(JSON.parse(auto.stdout)).toMatchObject(NATIVE ? { runtime: 'native', threads: cores } : { runtime: 'wasm', threads: Math.min(cores, 4) });
  });

  it.runIf(NATIVE)('native gives the wasm edit within 1e-4', async () => {
    const wasm = await sdedit('w2', ['--runtime', 'wasm', '--threads', '2']);
    const native = await sdedit('n2', ['--runtime', 'native', '--threads', '2']);
    expect(native.code, native.stderr).toBe(0);
    expect(JSON.parse(native.stdout)).toMatchObject({ runtime: 'native', threads: 2 });
    expect(JSON.parse(wasm.stdout)).toMatchObject({ runtime: 'wasm', threads: 2 });
    expect(maxAbsDiff(readFloats(join(out, 'n2.bin')), readFloats(join(out, 'w2.bin')))).toBeLessThan(1e-4);
  });

  it.each([
    [['--runtime', 'gpu'], /unknown runtime "gpu"; use auto, wasm or native/],
    [['--threads', '0'], /--threads needs a whole number from 1 to 256, got "0"/],
    [['--threads', 'many'], /--threads needs a decimal number, got "many"/],
  ])('fails clearly for %j and writes nothing', async (bad, message) => {
    const r = await sdedit('bad', bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(existsSync(join(out, 'bad.png'))).toBe(false);
  });
});
