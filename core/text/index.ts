/**
 * Prompt text -> text-encoder input ids.
 */
export { ClipTokenizer } from './clip-tokenizer';
export type { TokenizedPrompt, TokenizerFiles } from './clip-tokenizer';
