import { readFile, writeFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { StippleError } from '../../core/errors';
import { createEditor, type EditResult } from '../../core/editor';
import { maskFromImage } from '../../core/image';
import { decodePng, encodePng } from '../../core/image/png-node';
import { loadModelRepo } from '../../core/models';
import { OPERATIONS, type Operation } from '../../core/pipelines/request';
import { openRuntime, type RuntimeChoice } from '../../core/runtime';
import { SCHEDULER_NAMES, type SchedulerName } from '../../core/schedulers';
import { loadFixtureNoise } from '../../core/tensor';
import { openCliModel } from './model-input';
import { MODELS_USAGE, modelsCommand } from './models';

export const USAGE = `Usage:
  stipple tokenize --model MODEL [--quiet] PROMPT...
  stipple <inpaint|mask-edit|sdedit|pix2pix> --model MODEL --image PNG [--mask PNG] --prompt TEXT
          [--negative-prompt TEXT] [--steps N] [--strength S] [--guidance G] [--image-guidance G]
          [--scheduler ${SCHEDULER_NAMES.join('|')}] [--eta E] [--count N] [--seed N]
          [--noise CASE.json] --out OUT.png [--raw OUT.bin] [--json]
          [--mask-blur PX] [--mask-grow PX] [--only-masked] [--padding PX]
          [--masked-content original|fill|latent-noise|latent-nothing]
          [--runtime auto|wasm|native] [--threads N] [--quiet]
  stipple models list|pull|rm|path|verify ...
MODEL: a folder, a preset id, or a repo URL (downloaded once into the model cache).
${MODELS_USAGE}`;

/** Runs one CLI invocation and returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  try {
    if (command === 'tokenize') return await tokenize(rest);
    if (command === 'models') return await modelsCommand(rest);
    if ((OPERATIONS as readonly string[]).includes(command)) return await edit(command as Operation, rest);
    process.stderr.write(`stipple: unknown command "${command}".\n${USAGE}\n`);
    return 2;
  } catch (error) {
    if (error instanceof StippleError) {
      process.stderr.write(`stipple: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

async function tokenize(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { model: { type: 'string' }, quiet: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (!values.model) throw usage('tokenize needs --model MODEL');
  const repo = await loadModelRepo(await openCliModel(values.model, { quiet: values.quiet }));
  for (const prompt of positionals) {
    const t = repo.tokenizer.encode(prompt);
    process.stdout.write(`${JSON.stringify({ input_ids: t.inputIds, num_tokens: t.numTokens, truncated: t.truncated })}\n`);
  }
  return 0;
}

async function edit(operation: Operation, argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      image: { type: 'string' },
      mask: { type: 'string' },
      prompt: { type: 'string' },
      'negative-prompt': { type: 'string' },
      steps: { type: 'string' },
      strength: { type: 'string' },
      guidance: { type: 'string' },
      'image-guidance': { type: 'string' },
      scheduler: { type: 'string' },
      eta: { type: 'string' },
      count: { type: 'string' },
      seed: { type: 'string' },
      noise: { type: 'string' },
      out: { type: 'string' },
      raw: { type: 'string' },
      json: { type: 'boolean' },
      'mask-blur': { type: 'string' },
      'mask-grow': { type: 'string' },
      'only-masked': { type: 'boolean' },
      padding: { type: 'string' },
      'masked-content': { type: 'string' },
      runtime: { type: 'string' },
      threads: { type: 'string' },
      quiet: { type: 'boolean' },
    },
  });
  if (!values.model) throw usage(`${operation} needs --model MODEL`);
  if (!values.image) throw usage(`${operation} needs --image PNG`);
  if (values.prompt === undefined) throw usage(`${operation} needs --prompt TEXT`);
  if (!values.out) throw usage(`${operation} needs --out OUT.png`);
  if (values.scheduler !== undefined && !(SCHEDULER_NAMES as readonly string[]).includes(values.scheduler)) {
    throw usage(`unknown scheduler "${values.scheduler}"; use one of ${SCHEDULER_NAMES.join(', ')}`);
  }
  if (values.runtime !== undefined && !['auto', 'wasm', 'native'].includes(values.runtime)) {
    throw usage(`unknown runtime "${values.runtime}"; use auto, wasm or native`);
  }
  const threads = num(values.threads, '--threads');
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) throw usage(`--threads needs a whole number of at least 1, got "${values.threads}"`);

  const image = decodePng(await readFile(values.image), values.image);
  const mask = values.mask ? maskFromImage(decodePng(await readFile(values.mask), values.mask)) : undefined;
  const noise = values.noise ? await loadFixtureNoise(JSON.parse(await readFile(values.noise, 'utf8')), (name) =>
    readFile(join(dirname(values.noise!), name)).then((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)),
  ) : undefined;

  const runtime = await openRuntime((values.runtime ?? 'auto') as RuntimeChoice, { threads });
  const editor = await createEditor({ model: await openCliModel(values.model, { quiet: values.quiet }), runtime });
  try {
    const result = await editor.edit(operation, {
      image,
      mask,
      prompt: values.prompt,
      negativePrompt: values['negative-prompt'],
      steps: num(values.steps, '--steps'),
      strength: num(values.strength, '--strength'),
      guidance: num(values.guidance, '--guidance'),
      imageGuidance: num(values['image-guidance'], '--image-guidance'),
      scheduler: values.scheduler as SchedulerName | undefined,
      eta: num(values.eta, '--eta'),
      count: num(values.count, '--count'),
      seed: num(values.seed, '--seed'),
      noise,
      maskBlur: num(values['mask-blur'], '--mask-blur'),
      maskGrow: num(values['mask-grow'], '--mask-grow'),
      onlyMasked: values['only-masked'],
      onlyMaskedPadding: num(values.padding, '--padding'),
      maskedContent: values['masked-content'] as 'original' | undefined,
    });
    await writeOutputs(result, values.out, values.raw);
    for (const w of result.warnings) process.stderr.write(`stipple: note: ${w.message}\n`);
    const { runtime: ran, threads: used } = runtime.selection;
    if (values.json) process.stdout.write(`${JSON.stringify({ ...result.meta, runtime: ran, threads: used })}\n`);
  } finally {
    await editor.dispose();
  }
  return 0;
}

/** `OUT.png` for one image; `OUT-1.png`, `OUT-2.png`… for several. */
export function outputPaths(out: string, count: number): string[] {
  if (count === 1) return [out];
  const ext = extname(out) || '.png';
  const stem = out.slice(0, out.length - extname(out).length);
  return Array.from({ length: count }, (_, i) => `${stem}-${i + 1}${ext}`);
}

async function writeOutputs(result: EditResult, out: string, raw: string | undefined): Promise<void> {
  const paths = outputPaths(out, result.images.length);
  await Promise.all(result.images.map((img, i) => writeFile(paths[i]!, encodePng(img))));
  if (raw) {
    const bytes = new Uint8Array(result.raw.buffer, result.raw.byteOffset, result.raw.byteLength);
    await writeFile(raw, littleEndian(bytes));
  }
}

/** The bytes of a Float32Array as little-endian, whatever this machine's byte order. */
function littleEndian(bytes: Uint8Array): Uint8Array {
  const le = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  if (le) return bytes;
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += 4) {
    out[i] = bytes[i + 3]!;
    out[i + 1] = bytes[i + 2]!;
    out[i + 2] = bytes[i + 1]!;
    out[i + 3] = bytes[i]!;
  }
  return out;
}

function num(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw usage(`${flag} needs a number, got "${value}"`);
  return n;
}

class UsageError extends StippleError {
  constructor(message: string) {
    super('INVALID_INPUT', `${message}.\n${USAGE}`);
  }
}
function usage(message: string): UsageError {
  return new UsageError(message);
}
