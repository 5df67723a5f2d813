/**
 * `stipple diffedit`: edit by description (DiffEdit). The flags are a contract
 * with scripts outside the repo; see README "DiffEdit".
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createEditor } from '../../core/editor';
import { maskFromImage, maskToImage } from '../../core/image';
import { decodePng, encodePng } from '../../core/image/png-node';
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { float32Bytes, num, readNoise, usage, writeOutputs } from './commands';

export const DIFFEDIT_USAGE = `  stipple diffedit --model DIR --image PNG --source-prompt TEXT --prompt TEXT
          [--source-negative-prompt TEXT] [--negative-prompt TEXT] [--invert-negative-prompt TEXT]
          [--edit-negative-prompt TEXT] [--steps N] [--strength S] [--guidance G] [--invert-guidance G]
          [--mask-steps N] [--mask-strength S] [--mask-guidance G] [--mask-maps N] [--mask-threshold R]
          [--mask PNG] [--noise CASE.json] [--seed N] --out OUT.png [--raw OUT.bin] [--mask-out MASK.png]
          [--mask-raw MASK.bin] [--inverted-raw INV.bin] [--json]`;

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
  const image = decodePng(await readFile(v.image!), v.image);
  const mask = v.mask ? maskFromImage(decodePng(await readFile(v.mask), v.mask)) : undefined;
  const noise = v.noise ? await readNoise(v.noise) : undefined;

  const editor = await createEditor({ model: new NodeFolderSource(v.model!) });
  try {
    const result = await editor.edit('diffedit', {
      image,
      mask,
      prompt: v.prompt!,
      negativePrompt: v['edit-negative-prompt'],
      steps: num(v.steps, '--steps'),
      strength: num(v.strength, '--strength'),
      guidance: num(v.guidance, '--guidance'),
      seed: num(v.seed, '--seed'),
      noise,
      diffedit: {
        sourcePrompt: v['source-prompt']!,
        sourceNegativePrompt: v['source-negative-prompt'],
        targetNegativePrompt: v['negative-prompt'],
        invertNegativePrompt: v['invert-negative-prompt'],
        invertGuidance: num(v['invert-guidance'], '--invert-guidance'),
        maskSteps: num(v['mask-steps'], '--mask-steps'),
        maskStrength: num(v['mask-strength'], '--mask-strength'),
        maskGuidance: num(v['mask-guidance'], '--mask-guidance'),
        maskMaps: num(v['mask-maps'], '--mask-maps'),
        maskThreshold: num(v['mask-threshold'], '--mask-threshold'),
      },
    });
    await writeOutputs(result, v.out!, v.raw);
    const d = result.diffedit;
    if (d) {
      if (v['mask-out']) await writeFile(v['mask-out'], encodePng(maskToImage(d.imageMask)));
      if (v['mask-raw']) await writeFile(v['mask-raw'], float32Bytes(d.mask));
      if (v['inverted-raw']) await writeFile(v['inverted-raw'], float32Bytes(d.inverted));
    }
    for (const w of result.warnings) process.stderr.write(`stipple: note: ${w.message}\n`);
    if (v.json) {
      const stages = d?.stages;
      process.stdout.write(`${JSON.stringify({ ...result.meta, ...(d ? { diffedit: { maskGenerated: d.generated, maskDims: d.maskDims, invertedDims: d.invertedDims, stages } } : {}) })}\n`);
    }
  } finally {
    await editor.dispose();
  }
  return 0;
}
