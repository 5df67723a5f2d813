/**
 * The table of bad CLI inputs: every flag of an edit given missing, empty,
 * NaN, negative, huge and of the wrong type, and hostile files. Shared by
 * the reliability test (which asserts each one) and `npm run bench` (which
 * counts them).
 *
 * "Handled" means: exit code 1, one message line (plus the usage text for a
 * missing required flag), and no file in the folder written or changed.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { USAGE } from '../../plugins/cli/commands';
import { snapshot, stippleInProcess, type CliResult } from '../cli/harness';
import { jpegDeclaring, pngDeclaring } from './bad-files';

export interface BadInput {
  /** What is wrong, e.g. `--steps huge`. */
  name: string;
  args: string[];
}

export interface Workspace {
  dir: string;
  model: string;
  image: string;
  mask: string;
}

/** A fresh folder with an input image and mask copied from the fixtures. */
export function workspace(fixtures: string): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'stipple-bad-'));
  copyFileSync(join(fixtures, 'golden', 'sdedit_img2img', 'input.png'), join(dir, 'in.png'));
  copyFileSync(join(fixtures, 'golden', 'inpaint_9ch', 'mask.png'), join(dir, 'mask.png'));
  writeFileSync(join(dir, 'huge.png'), pngDeclaring(20000, 20000));
  writeFileSync(join(dir, 'huge.jpg'), jpegDeclaring(60000, 60000));
  writeFileSync(join(dir, 'not-json.json'), readFileSync(join(dir, 'in.png')));
  writeFileSync(join(dir, 'no-noise.json'), '{"prompt": "x"}');
  writeFileSync(join(dir, 'lost-noise.json'), '{"noise": [{"order": 0, "label": "initial", "file": "gone.bin", "shape": [1, 4, 8, 8]}]}');
  mkdirSync(join(dir, 'a-folder'));
  return { dir, model: join(fixtures, 'sd'), image: join(dir, 'in.png'), mask: join(dir, 'mask.png') };
}

const NUMBER_FLAGS = ['steps', 'strength', 'guidance', 'image-guidance', 'eta', 'count', 'seed', 'mask-blur', 'mask-grow', 'padding'];
const NUMBER_VALUES: Record<string, string> = {
  empty: '',
  NaN: 'NaN',
  negative: '-5',
  huge: '1e30',
  'wrong type': 'abc',
  hex: '0x2',
  binary: '0b1',
  Infinity: 'Infinity',
  'comma decimal': '1,5',
  'trailing text': '5px',
};
const NAME_FLAGS = ['scheduler', 'masked-content'];

/** Every bad input tried against `stipple sdedit`. */
export function badInputs(w: Workspace): BadInput[] {
  const out = join(w.dir, 'out.png');
  const base: Record<string, string> = { model: w.model, image: w.image, prompt: 'a fox', out };
  const args = (over: Record<string, string | null>): string[] => {
    const all: Record<string, string | null> = { ...base, ...over };
    return ['sdedit', ...Object.entries(all).flatMap(([k, v]) => (v === null ? [] : [`--${k}=${v}`]))];
  };
  const cases: BadInput[] = [];
  const add = (name: string, a: string[]): void => void cases.push({ name, args: a });

  for (const flag of ['model', 'image', 'prompt', 'out']) add(`--${flag} omitted`, args({ [flag]: null }));
  const valued = [...Object.keys(base), ...NUMBER_FLAGS, ...NAME_FLAGS, 'mask', 'noise', 'raw', 'negative-prompt'];
  for (const flag of valued) add(`--${flag} without its value`, [...args({ [flag]: null }), `--${flag}`]);
  for (const flag of NUMBER_FLAGS) {
    for (const [kind, value] of Object.entries(NUMBER_VALUES)) {
      if (flag === 'mask-grow' && kind === 'negative') continue; // a negative grow shrinks: valid
      add(`--${flag} ${kind}`, args({ [flag]: value }));
    }
  }
  add('--mask-grow huge negative', args({ 'mask-grow': '-1e30' }));
  add('--seed fractional', args({ seed: '1.5' }));
  add('--seed past 2^53', args({ seed: '9007199254740992' }));
  add('--steps 1e9', args({ steps: '1e9' }));
  add('--steps 1e7', args({ steps: '1e7' }));
  add('--count fractional', args({ count: '0.5' }));
  for (const flag of NAME_FLAGS) {
    for (const value of ['', 'NaN', '-5', '1e30', 'heun']) add(`--${flag} "${value}"`, args({ [flag]: value }));
  }
  for (const flag of ['model', 'image', 'mask', 'noise']) {
    add(`--${flag} empty`, args({ [flag]: '' }));
    add(`--${flag} missing file`, args({ [flag]: join(w.dir, 'nope', 'x') }));
    add(`--${flag} a folder`, args({ [flag]: join(w.dir, flag === 'model' ? 'a-folder' : 'a-folder') }));
  }
  for (const flag of ['image', 'mask', 'noise']) add(`--${flag} /dev/zero`, args({ [flag]: '/dev/zero' }));
  for (const flag of ['image', 'mask']) {
    add(`--${flag} a 45-byte PNG declaring 20000x20000`, args({ [flag]: join(w.dir, 'huge.png') }));
    add(`--${flag} a JPEG declaring 60000x60000`, args({ [flag]: join(w.dir, 'huge.jpg') }));
    add(`--${flag} not a PNG`, args({ [flag]: join(w.dir, 'no-noise.json') }));
  }
  add('--noise not JSON', args({ noise: join(w.dir, 'not-json.json') }));
  add('--noise without a noise list', args({ noise: join(w.dir, 'no-noise.json') }));
  add('--noise naming a missing file', args({ noise: join(w.dir, 'lost-noise.json') }));
  for (const flag of ['out', 'raw']) {
    add(`--${flag} empty`, args({ [flag]: '' }));
    add(`--${flag} in a missing folder`, args({ [flag]: join(w.dir, 'nope', 'o.png') }));
    add(`--${flag} a folder`, args({ [flag]: join(w.dir, 'a-folder') }));
    add(`--${flag} a device`, args({ [flag]: '/dev/null' }));
    add(`--${flag} the input image`, args({ [flag]: w.image }));
  }
  add('--out the mask', args({ mask: w.mask, out: w.mask }));
  add('--raw the same as --out', args({ raw: out }));
  add('an unknown flag', args({ 'no-such-flag': '1' }));
  return cases;
}

/** Why a result is not "handled", or null when it is. */
export function notHandled(r: CliResult, before: Record<string, string>, after: Record<string, string>): string | null {
  if (r.code !== 1) return `exit code ${r.code}`;
  const message = r.stderr.replace(USAGE, '').trim();
  if (!message.startsWith('stipple: ')) return `no "stipple:" message: ${JSON.stringify(r.stderr.slice(0, 200))}`;
  if (message.split('\n').length !== 1) return `a message of ${message.split('\n').length} lines: ${JSON.stringify(message.slice(0, 300))}`;
  if (r.stdout !== '') return 'wrote to stdout';
  if (JSON.stringify(before) !== JSON.stringify(after)) return 'changed the folder';
  return null;
}

/** Runs one bad input in-process and says whether it was handled. */
export async function tryBadInput(w: Workspace, c: BadInput): Promise<{ result: CliResult; problem: string | null }> {
  const before = snapshot(w.dir);
  let result: CliResult;
  try {
    result = await stippleInProcess(c.args);
  } catch (e) {
    return { result: { code: -1, stdout: '', stderr: String(e) }, problem: `threw ${String(e)}` };
  }
  return { result, problem: notHandled(result, before, snapshot(w.dir)) };
}
