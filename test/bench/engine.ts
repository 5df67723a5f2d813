/** Issue 2's benchmark: tokenizer time per prompt and session creation per fixture component. */
import { NodeFolderSource } from '../../core/models/node-folder-source';
import { loadModelRepo } from '../../core/models';
import { createRuntime } from '../../core/runtime';
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
