import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { errorMessage, StippleError } from '../../core/errors';
import { createEditor, type EditResult } from '../../core/editor';
import { InvalidInputError, maskFromImage } from '../../core/image';
import { encodePng } from '../../core/image/png-node';
import { loadModelRepo } from '../../core/models';
import { validateEditRequest } from '../../core/pipelines/limits';
import type { MaskedContent } from '../../core/pipelines/mask-edit';
import { OPERATIONS, type Operation } from '../../core/pipelines/request';
import { RESOLUTIONS, type Resolution } from '../../core/pipelines/resolution';
import { openRuntime, type RuntimeChoice, type SelectedRuntime } from '../../core/runtime';
import { cliLimits } from './capability';
import { SCHEDULER_NAMES, type SchedulerName } from '../../core/schedulers';
import { loadFixtureNoise } from '../../core/tensor';
import type { NoiseSource } from '../../core/tensor/noise';
import { diffedit, DIFFEDIT_USAGE } from './diffedit';
import { asksForHelp, unknownFlagError, VERSION_TEXT } from './help';
import { decimal, readImageFile, readInputFile, readJsonFile, refuseEmptyValues } from './inputs';
import { openCliModel } from './model-input';
import { MODELS_USAGE, modelsCommand } from './models';
import { planOutputs, writeAllOrNothing, type OutputPlan } from './outputs';

const TOKENIZE_LINE = `  stipple tokenize --model MODEL [--quiet] PROMPT...`;
const EDIT_LINES = `  stipple <inpaint|mask-edit|sdedit|pix2pix> --model MODEL --image PNG [--mask PNG] --prompt TEXT
          [--negative-prompt TEXT] [--steps N] [--strength S] [--guidance G] [--image-guidance G]
          [--scheduler ${SCHEDULER_NAMES.join('|')}] [--eta E] [--count N] [--seed N]
          [--noise CASE.json] --out OUT.png [--raw OUT.bin] [--json]
          [--mask-blur PX] [--mask-grow PX] [--only-masked] [--padding PX]
          [--masked-content original|fill|latent-noise|latent-nothing]
          [--resolution input|native | --width W --height H]
          [--runtime auto|wasm|native] [--threads N] [--quiet]`;
const MODEL_LINE = 'MODEL: a folder, a preset id, or a repo URL (downloaded once into the model cache).';

export const USAGE = `Usage:
${TOKENIZE_LINE}
${EDIT_LINES}
${DIFFEDIT_USAGE}
  stipple models list|pull|rm|path|verify ...
${MODEL_LINE}
${MODELS_USAGE}
  stipple --help | stipple <command> --help | stipple --version`;

/** The usage of one command (what `stipple <command> --help` prints), or undefined for an unknown command. */
function commandUsage(command: string): string | undefined {
  if (command === 'tokenize') return `Usage:\n${TOKENIZE_LINE}\n${MODEL_LINE}`;
  if (command === 'diffedit') return `Usage:\n${DIFFEDIT_USAGE}\n${MODEL_LINE}`;
  if (command === 'models') return MODELS_USAGE;
  if ((OPERATIONS as readonly string[]).includes(command)) return `Usage:\n${EDIT_LINES}\n${MODEL_LINE}`;
  return undefined;
}

/** Runs one CLI invocation and returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  if (command === '--version' || command === '-V' || command === 'version') {
    process.stdout.write(`${VERSION_TEXT}\n`);
    return 0;
  }
  const commandText = commandUsage(command);
  if (commandText && asksForHelp(rest)) {
    process.stdout.write(`${commandText}\n`);
    return 0;
  }
  try {
    if (command === 'tokenize') return await tokenize(rest);
    if (command === 'diffedit') return await diffedit(rest);
    if (command === 'models') return await modelsCommand(rest);
    if ((OPERATIONS as readonly string[]).includes(command)) return await edit(command as Operation, rest);
    process.stderr.write(`stipple: unknown command "${command}".\n${USAGE}\n`);
    return 2;
  } catch (caught) {
    const error = unknownFlagError(caught, commandText ?? USAGE, USAGE);
    if (error instanceof StippleError) {
      process.stderr.write(`stipple: ${error.message}\n`);
      return 1;
    }
    // node:util parseArgs: an unknown flag, or a flag without its value.
    if (String((error as { code?: unknown } | null)?.code).startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`stipple: ${errorMessage(error)}\n`);
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
  if (positionals.length === 0) throw usage('tokenize needs a PROMPT to tokenize');
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
      resolution: { type: 'string' },
      width: { type: 'string' },
      height: { type: 'string' },
      ...RUNTIME_OPTIONS,
    },
  });
  refuseEmptyValues(values);
  if (!values.model) throw usage(`${operation} needs --model MODEL`);
  if (!values.image) throw usage(`${operation} needs --image PNG`);
  if (values.prompt === undefined) throw usage(`${operation} needs --prompt TEXT`);
  if (!values.out) throw usage(`${operation} needs --out OUT.png`);
  if (values.scheduler !== undefined && !(SCHEDULER_NAMES as readonly string[]).includes(values.scheduler)) {
    throw new InvalidInputError(`unknown scheduler "${values.scheduler}"; use one of ${SCHEDULER_NAMES.join(', ')}.`);
  }
  const openEngineRuntime = runtimeFlags(values);

  const resolution = resolutionFlags(values.resolution, values.width, values.height);
  // Everything that can be checked without the model is checked first, so a typo costs nothing.
  const request = {
    prompt: values.prompt,
    negativePrompt: values['negative-prompt'],
    steps: decimal(values.steps, '--steps'),
    strength: decimal(values.strength, '--strength'),
    guidance: decimal(values.guidance, '--guidance'),
    imageGuidance: decimal(values['image-guidance'], '--image-guidance'),
    scheduler: values.scheduler as SchedulerName | undefined,
    eta: decimal(values.eta, '--eta'),
    count: decimal(values.count, '--count'),
    seed: decimal(values.seed, '--seed'),
    maskBlur: decimal(values['mask-blur'], '--mask-blur'),
    maskGrow: decimal(values['mask-grow'], '--mask-grow'),
    onlyMasked: values['only-masked'],
    onlyMaskedPadding: decimal(values.padding, '--padding'),
    maskedContent: values['masked-content'] as MaskedContent | undefined,
  };
  validateEditRequest(operation, request);
  const plan = await planOutputs(values.out, values.raw, request.count ?? 1, {
    '--image': values.image,
    '--mask': values.mask,
    '--noise': values.noise,
  });
  const image = await readImageFile(values.image, '--image');
  const mask = values.mask ? maskFromImage(await readImageFile(values.mask, '--mask')) : undefined;
  const noise = values.noise ? await readNoise(values.noise) : undefined;

  const runtime = await openEngineRuntime();
  const editor = await createEditor({ model: await openCliModel(values.model, { quiet: values.quiet }), runtime, limits: cliLimits(runtime) });
  try {
    const result = await editor.edit(operation, { ...request, image, mask, noise, resolution });
    await writeAllOrNothing(outputFiles(result, plan));
    for (const w of result.warnings) process.stderr.write(`stipple: note: ${w.message}\n`);
    const { runtime: ran, threads: used } = runtime.selection;
    if (values.json) process.stdout.write(`${JSON.stringify({ ...result.meta, runtime: ran, threads: used })}\n`);
  } finally {
    await editor.dispose();
  }
  return 0;
}

/** `--resolution input|native`, or `--width W --height H` (both or neither) for an explicit working size. */
function resolutionFlags(resolution: string | undefined, width: string | undefined, height: string | undefined): Resolution | undefined {
  if ((width === undefined) !== (height === undefined)) throw usage('--width and --height go together: give both or neither');
  if (width !== undefined && height !== undefined) {
    if (resolution !== undefined) throw usage('give either --resolution or --width and --height, not both');
    return { width: decimal(width, '--width')!, height: decimal(height, '--height')! };
  }
  if (resolution !== undefined && !(RESOLUTIONS as readonly string[]).includes(resolution)) {
    throw usage(`unknown resolution "${resolution}"; use ${RESOLUTIONS.join(' or ')}, or --width and --height`);
  }
  return resolution as Resolution | undefined;
}

/** A `--noise` case.json and the float files it names; errors name the case file. */
export async function readNoise(path: string): Promise<NoiseSource> {
  const json = await readJsonFile(path, '--noise');
  try {
    return await loadFixtureNoise(json, (name) => readInputFile(join(dirname(path), name), '--noise'));
  } catch (e) {
    if (e instanceof StippleError && !(e instanceof InvalidInputError)) {
      throw new InvalidInputError(`--noise ${path}: ${e.message}`, { cause: e });
    }
    throw e;
  }
}

/** The images and raw floats of a result, at the paths its plan checked. */
export function outputFiles(result: EditResult, plan: OutputPlan): { path: string; bytes: Uint8Array }[] {
  const files = result.images.map((img, i) => ({ path: plan.images[i]!, bytes: encodePng(img) }));
  if (plan.raw) {
    files.push({ path: plan.raw, bytes: float32Bytes(result.raw) });
  }
  return files;
}

/** A Float32Array as raw little-endian float32 bytes (the `.bin` files). */
export function float32Bytes(data: Float32Array): Uint8Array {
  return littleEndian(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
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

/** The flags that choose where the model runs, shared by every edit command. */
export const RUNTIME_OPTIONS = {
  runtime: { type: 'string' },
  threads: { type: 'string' },
  quiet: { type: 'boolean' },
} as const;

/**
 * Checks `--runtime` and `--threads` before any model work and returns the
 * function that opens that runtime (onnxruntime-node is imported only then).
 */
export function runtimeFlags(values: { runtime?: string; threads?: string }): () => Promise<SelectedRuntime> {
  if (values.runtime !== undefined && !['auto', 'wasm', 'native'].includes(values.runtime)) {
    throw usage(`unknown runtime "${values.runtime}"; use auto, wasm or native`);
  }
  const threads = decimal(values.threads, '--threads');
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1 && threads <= 256)) {
    throw usage(`--threads needs a whole number from 1 to 256, got "${values.threads}"`);
  }
  return () => openRuntime((values.runtime ?? 'auto') as RuntimeChoice, { threads });
}

class UsageError extends StippleError {
  constructor(message: string) {
    super('INVALID_INPUT', `${message}.\n${USAGE}`);
  }
}
export function usage(message: string): UsageError {
  return new UsageError(message);
}
