/**
 * Prompt and negative prompt -> text-encoder embeddings, with what a UI needs
 * to warn about (token counts, truncation).
 */
import type { TextEncoderSession } from '../runtime';
import type { ClipTokenizer, TokenizedPrompt } from '../text';
import type { PromptEmbeddings } from './model-run';

export interface EncodedPrompts {
  embeddings: PromptEmbeddings;
  prompt: TokenizedPrompt;
  negativePrompt: TokenizedPrompt;
}

/** Tokenizes both prompts and encodes them in one text-encoder call (batch 2). */
export async function encodePrompts(
  tokenizer: ClipTokenizer,
  textEncoder: TextEncoderSession,
  prompt: string,
  negativePrompt: string,
): Promise<EncodedPrompts> {
  const positive = tokenizer.encode(prompt);
  const negative = tokenizer.encode(negativePrompt);
  const out = await textEncoder.encode([negative.inputIds, positive.inputIds]);
  const [, seq, dim] = out.dims as [number, number, number];
  const one = seq * dim;
  return {
    embeddings: {
      negative: out.data.slice(0, one),
      positive: out.data.slice(one, 2 * one),
      dims: [1, seq, dim],
    },
    prompt: positive,
    negativePrompt: negative,
  };
}
