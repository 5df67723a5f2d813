/**
 * Issue 13: the tokenizer's work is linear in the prompt. Very long words
 * are encoded in bounded pieces, and counting stops a fixed distance past
 * the limit. (Timing targets are in `npm run bench`; these prove the bounds.)
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ClipTokenizer } from '../../core/text';

const fixture = (path: string): string => readFileSync(new URL(`../fixtures/tiny-sd/${path}`, import.meta.url), 'utf8');
const tokenizer = ClipTokenizer.fromFiles({
  vocab: fixture('sd/tokenizer/vocab.json'),
  merges: fixture('sd/tokenizer/merges.txt'),
  tokenizerConfig: fixture('sd/tokenizer/tokenizer_config.json'),
  specialTokensMap: fixture('sd/tokenizer/special_tokens_map.json'),
});

/** Letters from a fixed pseudo-random sequence: a "word" BPE cannot shorten much. */
function noiseWord(length: number, seed = 7919): string {
  let x = seed;
  let out = '';
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out += String.fromCharCode(97 + (x % 26));
  }
  return out;
}

describe('tokenizer bounds', () => {
  it('a 200,000-character word ends (quadratic BPE would take minutes) and fills the 75 ids', () => {
    const t = tokenizer.encode(noiseWord(200_000));
    expect(t.truncated).toBe(true);
    expect(t.inputIds).toHaveLength(77);
    expect(t.inputIds[76]).toBe(tokenizer.eosId);
    expect(t.inputIds.slice(1, 76).every((id) => id !== tokenizer.padId)).toBe(true);
  });

  it('words up to 64 symbols are encoded exactly as before (one BPE over the whole word)', () => {
    const word = noiseWord(64);
    const whole = tokenizer.tokenize(word);
    expect(whole[whole.length - 1]!.endsWith('</w>')).toBe(true);
    expect(whole.join('').replace('</w>', '')).toBe(word);
  });

  it('a longer word is encoded in pieces: same characters, one end-of-word marker', () => {
    const word = noiseWord(1000);
    const tokens = tokenizer.tokenize(word);
    expect(tokens.join('').replace('</w>', '')).toBe(word);
    expect(tokens.filter((t) => t.endsWith('</w>'))).toHaveLength(1);
  });

  it('counts exactly up to 1024 tokens past the limit, then stops with the count so far', () => {
    expect(tokenizer.encode('cat '.repeat(500)).numTokens).toBe(500);
    const huge = tokenizer.encode('cat '.repeat(25_000));
    expect(huge.truncated).toBe(true);
    expect(huge.numTokens).toBe(75 + 1024 + 1);
    expect(huge.inputIds).toEqual(tokenizer.encode('cat '.repeat(80)).inputIds);
  });
});
