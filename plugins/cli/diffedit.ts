/**
 * `stipple diffedit`: edit by description (DiffEdit). The flags are a contract
 * with scripts outside the repo; see README "DiffEdit".
 */
import { parseArgs } from 'node:util';
import { createEditor } from '../../core/editor';
import { maskFromImage, maskToImage } from '../../core/image';
import { encodePng } from '../../core/image/png-node';
import { resolveDiffEdit } from '../../core/pipelines/diffedit';
import { validateEditRequest } from '../../core/pipelines/limits';
import { float32Bytes, outputFiles, readNoise, RUNTIME_OPTIONS, runtimeFlags, usage } from './commands';
import { decimal, readImageFile, refuseEmptyValues } from './inputs';
import { openCliModel } from './model-input';
import { planOutputs, writeAllOrNothing } from './outputs';

export const DIFFEDIT_USAGE = `  stipple diffedit --model DIR --image PNG --source-prompt TEXT --prompt TEXT
          [--source-negative-prompt TEXT] [--negative-prompt TEXT] [--invert-negative-prompt TEXT]
          [--edit-negative-prompt TEXT] [--steps N] [--strength S] [--guidance G] [--invert-guidance G]
          [--mask-steps N] [--mask-strength S] [--mask-guidance G] [--mask-maps N] [--mask-threshold R]
          [--mask PNG] [--noise CASE.json] [--seed N] --out OUT.png [--raw OUT.bin] [--mask-out MASK.png]
          [--mask-raw MASK.bin] [--inverted-raw INV.bin] [--json]
          [--runtime auto|wasm|native] [--threads N] [--quiet]`;

/** Runs `stipple diffedit ARGS` and returns the exit code. */
export async function diffedit(argv: string[]): Promise<number> {
  const text = { type: 'string' } as const;
  const { values: v } = parseArgs({
    args: argv,
    options: {
      model: text,
      image: text,
      'source-prompt': text,
      prompt: text,
      'source-negative-prompt': text,
      'negative-prompt': text,
      'invert-negative-prompt': text,
      'edit-negative-prompt': text,
      steps: text,
      strength: text,
      guidance: text,
      'invert-guidance': text,
      'mask-steps': text,
      'mask-strength': text,
      'mask-guidance': text,
      'mask-maps': text,
      'mask-threshold': text,
      mask: text,
      noise: text,
      seed: text,
      out: text,
      raw: text,
      'mask-out': text,
      'mask-raw': text,
      'inverted-raw': text,
      json: { type: 'boolean' },
      ...RUNTIME_OPTIONS,
    },
  });
  for (const [flag, what] of [
    ['model', 'DIR'],
    ['image', 'PNG'],
    ['source-prompt', 'TEXT'],
    ['prompt', 'TEXT'],
    ['out', 'OUT.png'],
  ] as const) {
    if (v[flag] === undefined) throw usage(`diffedit needs --${flag} ${what}`);
  }
  refuseEmptyValues(v);
  // Everything that can be checked without the model is checked first, so a typo costs nothing.
  const request = {
    prompt: v.prompt!,
    negativePrompt: v['edit-negative-prompt'],
    steps: decimal(v.steps, '--steps'),
    strength: decimal(v.strength, '--strength'),
    guidance: decimal(v.guidance, '--guidance'),
    seed: decimal(v.seed, '--seed'),
  };
  validateEditRequest('diffedit', request);
  const openEngineRuntime = runtimeFlags(v);
  const options = {
    sourcePrompt: v['source-prompt']!,
    sourceNegativePrompt: v['source-negative-prompt'],
    targetNegativePrompt: v['negative-prompt'],
    invertNegativePrompt: v['invert-negative-prompt'],
    invertGuidance: decimal(v['invert-guidance'], '--invert-guidance'),
    maskSteps: decimal(v['mask-steps'], '--mask-steps'),
    maskStrength: decimal(v['mask-strength'], '--mask-strength'),
    maskGuidance: decimal(v['mask-guidance'], '--mask-guidance'),
    maskMaps: decimal(v['mask-maps'], '--mask-maps'),
    maskThreshold: decimal(v['mask-threshold'], '--mask-threshold'),
  };
  resolveDiffEdit(options, request.steps ?? 1, request.guidance ?? 0);
  const plan = await planOutputs(
    v.out!,
    v.raw,
    1,
    { '--image': v.image, '--mask': v.mask, '--noise': v.noise },
    { '--mask-out': v['mask-out'], '--mask-raw': v['mask-raw'], '--inverted-raw': v['inverted-raw'] },
  );
  const image = await readImageFile(v.image!, '--image');
  const mask = v.mask ? maskFromImage(await readImageFile(v.mask, '--mask')) : undefined;
  const noise = v.noise ? await readNoise(v.noise) : undefined;

  const runtime = await openEngineRuntime();
  const editor = await createEditor({ model: await openCliModel(v.model!, { quiet: v.quiet }), runtime });
  try {
    const result = await editor.edit('diffedit', {
      ...request,
      image,
      mask,
      noise,
      diffedit: options,
    });
    const d = result.diffedit;
    const files = outputFiles(result, plan);
    const extra = plan.extra;
    if (d && extra['--mask-out']) files.push({ path: extra['--mask-out'], bytes: encodePng(maskToImage(d.imageMask)) });
    if (d && extra['--mask-raw']) files.push({ path: extra['--mask-raw'], bytes: float32Bytes(d.mask) });
    if (d && extra['--inverted-raw']) files.push({ path: extra['--inverted-raw'], bytes: float32Bytes(d.inverted) });
    await writeAllOrNothing(files);
    for (const w of result.warnings) process.stderr.write(`stipple: note: ${w.message}\n`);
    if (v.json) {
      const stages = d?.stages;
      process.stdout.write(`${JSON.stringify({ ...result.meta, runtime: runtime.selection.runtime, threads: runtime.selection.threads, ...(d ? { diffedit: { maskGenerated: d.generated, maskDims: d.maskDims, invertedDims: d.invertedDims, stages } } : {}) })}\n`);
    }
  } finally {
    await editor.dispose();
  }
  return 0;
}
