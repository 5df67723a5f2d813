/** Issue 2's benchmark: tokenizer time per prompt and session creation per fixture component. */
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { loadModelRepo } from '../../core/models';
import { createRuntime } from '../../core/runtime';
import type { ClipTokenizer } from '../../core/text';
import { FIXTURES, median, timeRuns } from './measure';

const PROMPTS = [
  'a photo of a cat',
  'a photo of a red fox sitting in the snow, highly detailed, 8k, trending on artstation, golden hour light',
  'Turn the sun into a moon; make it winter, with snow on the roofs and warm lights in the windows.',
];

export async function benchEngine(): Promise<void> {
  const source = new NodeFolderSource(`${FIXTURES}sd`);
  const repo = await loadModelRepo(source);
  const rows = [];
  for (const prompt of PROMPTS) {
    // A fresh tokenizer: the first call runs BPE on every word.
    const tokenizer = (await loadModelRepo(source)).tokenizer;
    const c = performance.now();
    tokenizer.encode(prompt);
    const cold = (performance.now() - c) * 1000;
    const n = 2000;
    const t = performance.now();
    for (let i = 0; i < n; i++) tokenizer.encode(prompt);
    const perPrompt = ((performance.now() - t) / n) * 1000;
    rows.push({
      prompt: prompt.slice(0, 40),
      tokens: tokenizer.encode(prompt).numTokens,
      'first call µs': cold.toFixed(0),
      'cached µs/prompt': perPrompt.toFixed(1),
    });
  }
  console.log('Tokenizer (CLIP BPE)');
  console.table(rows);
  console.log('Tokenizer on 100,000-character prompts (issue 13: target < 50 ms each, fresh words every run)');
  console.table(longPromptRows(repo.tokenizer));

  const runtime = createRuntime();
  await (await runtime.createTextEncoder(repo)).release(); // wasm start-up is paid once per process
  const sessionRows = [];
  for (const dir of ['sd', 'sd-inpaint', 'ip2p']) {
    const r = await loadModelRepo(new NodeFolderSource(`${FIXTURES}${dir}`));
    const row: Record<string, string> = { repo: dir };
    for (const [name, create] of [
      ['text_encoder', () => runtime.createTextEncoder(r)],
      ['unet', () => runtime.createUnet(r)],
      ['vae_encoder', () => runtime.createVaeEncoder(r)],
      ['vae_decoder', () => runtime.createVaeDecoder(r)],
    ] as const) {
      const times = await timeRuns(async () => (await create()).release(), 3, 0);
      row[`${name} ms`] = median(times).toFixed(0);
    }
    sessionRows.push(row);
  }
  console.log('Session creation (onnxruntime-web wasm, 1 thread; median of 3)');
  console.table(sessionRows);
}

/** A 100k-character prompt of each shape, new words every run so the word cache never helps: median of 5. */
function longPromptRows(tokenizer: ClipTokenizer): Record<string, string>[] {
  let seed = 1;
  const letters = (n: number): string => {
    let out = '';
    for (let i = 0; i < n; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      out += String.fromCharCode(97 + (seed % 26));
    }
    return out;
  };
  const shapes: Record<string, () => string> = {
    'one 100k-character word': () => letters(100_000),
    'words of 4-12 letters': () => {
      let out = '';
      while (out.length < 100_000) out += `${letters(4 + (seed % 9))} `;
      return out.slice(0, 100_000);
    },
    'punctuation and digits': () => letters(100_000).replace(/[aeiou]/g, (c) => (c === 'a' ? '1' : c === 'e' ? ',' : c === 'i' ? '!' : c === 'o' ? '9' : '.')),
  };
  return Object.entries(shapes).map(([shape, make]) => {
    const times: number[] = [];
    let tokens = 0;
    for (let i = 0; i < 5; i++) {
      const prompt = make();
      const t = performance.now();
      tokens = tokenizer.encode(prompt).numTokens;
      times.push(performance.now() - t);
    }
    const ms = median(times);
    return { shape, 'median ms': ms.toFixed(1), 'max ms': Math.max(...times).toFixed(1), 'tokens counted': String(tokens), '< 50 ms': ms < 50 ? 'yes' : 'NO' };
  });
}
