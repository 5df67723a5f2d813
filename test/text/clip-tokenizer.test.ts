import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TokenizerFormatError } from '../../core/errors';
import { ClipTokenizer } from '../../core/text';
import type { TokenizerFiles } from '../../core/text';

const fixture = (path: string): string =>
  readFileSync(new URL(`../fixtures/tiny-sd/${path}`, import.meta.url), 'utf8');

/** The SD 1.x tokenizer files exactly as shipped in the fixture repo. */
const files: TokenizerFiles = {
  vocab: fixture('sd/tokenizer/vocab.json'),
  merges: fixture('sd/tokenizer/merges.txt'),
  tokenizerConfig: fixture('sd/tokenizer/tokenizer_config.json'),
  specialTokensMap: fixture('sd/tokenizer/special_tokens_map.json'),
};

interface GoldenCase {
  prompt: string;
  num_tokens: number;
  truncated: boolean;
  /** BPE strings, first 80 only. */
  tokens: string[];
  input_ids: number[];
}
interface Golden {
  bos_token_id: number;
  eos_token_id: number;
  pad_token_id: number;
  max_length: number;
  cases: GoldenCase[];
}
const golden = JSON.parse(fixture('golden/tokenizer.json')) as Golden;

/** Expects `build` to throw a TokenizerFormatError on `file`, with the file named in the message. */
function expectFormatError(build: () => unknown, file: string, message?: RegExp): void {
  let error: unknown;
  try {
    build();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(TokenizerFormatError);
  const err = error as TokenizerFormatError;
  expect(err.code).toBe('TOKENIZER_FORMAT');
  expect(err.file).toBe(file);
  expect(err.message).toContain(file);
  if (message) expect(err.message).toMatch(message);
}

let tokenizer: ClipTokenizer;
beforeAll(() => {
  tokenizer = ClipTokenizer.fromFiles(files);
});

describe('ClipTokenizer on the SD 1.x fixture', () => {
  it('reads the special ids and max length', () => {
    expect(tokenizer.maxLength).toBe(golden.max_length);
    expect(tokenizer.bosId).toBe(golden.bos_token_id);
    expect(tokenizer.eosId).toBe(golden.eos_token_id);
    expect(tokenizer.padId).toBe(golden.pad_token_id);
    expect(tokenizer.unkId).toBe(49407);
  });

  it('has 40 golden cases', () => {
    expect(golden.cases).toHaveLength(40);
  });

  describe.each(golden.cases.map((c, i) => ({ ...c, name: `#${i} ${JSON.stringify(c.prompt).slice(0, 60)}` })))(
    'golden $name',
    (c) => {
      it('matches input_ids, num_tokens and truncated', () => {
        const result = tokenizer.encode(c.prompt);
        expect(result.inputIds).toEqual(c.input_ids);
        expect(result.numTokens).toBe(c.num_tokens);
        expect(result.truncated).toBe(c.truncated);
      });

      it('matches the BPE token strings', () => {
        const tokens = tokenizer.tokenize(c.prompt);
        expect(tokens.slice(0, 80)).toEqual(c.tokens);
        expect(tokens).toHaveLength(c.num_tokens);
      });
    },
  );

  it('knows the ids the README lists', () => {
    const ids = tokenizer.encode('a photo of cat , astronaut horse').inputIds.slice(1, 8);
    expect(ids).toEqual([320, 1125, 539, 2368, 267, 18376, 4558]);
  });

  it('maps the special-token literals straight to their ids', () => {
    expect(tokenizer.tokenize('a <|endoftext|> b')).toEqual(['a</w>', '<|endoftext|>', 'b</w>']);
    expect(tokenizer.encode('<|startoftext|>x').inputIds.slice(0, 4)).toEqual([49406, 49406, 343, 49407]);
  });

  it('gives the same result from the cache and hands out fresh arrays', () => {
    const first = tokenizer.tokenize('a cat');
    first.push('mutated');
    first[0] = 'mutated';
    expect(tokenizer.tokenize('a cat')).toEqual(['a</w>', 'cat</w>']);
    const a = tokenizer.encode('a cat');
    a.inputIds[1] = -1;
    expect(tokenizer.encode('a cat').inputIds[1]).toBe(320);
  });
});

describe('ClipTokenizer configuration', () => {
  /** SD 2.x / SD-Turbo style: same vocabulary, pad "!" (id 0). */
  const sd2SpecialTokens = JSON.stringify({
    bos_token: { content: '<|startoftext|>', lstrip: false, normalized: true, rstrip: false, single_word: false },
    eos_token: { content: '<|endoftext|>', lstrip: false, normalized: true, rstrip: false, single_word: false },
    pad_token: '!',
    unk_token: { content: '<|endoftext|>', lstrip: false, normalized: true, rstrip: false, single_word: false },
  });

  it('pads with "!" (id 0) for SD 2.x-style special tokens', () => {
    const sd2 = ClipTokenizer.fromFiles({ ...files, specialTokensMap: sd2SpecialTokens });
    expect(sd2.padId).toBe(0);
    expect(sd2.eosId).toBe(49407);
    const { inputIds, numTokens } = sd2.encode('a photo of a cat');
    expect(numTokens).toBe(5);
    expect(inputIds).toHaveLength(77);
    expect(inputIds.slice(0, 8)).toEqual([49406, 320, 1125, 539, 320, 2368, 49407, 0]);
    expect(inputIds.slice(7).every((id) => id === 0)).toBe(true);
    // Truncated prompts still end with eos, not pad.
    const long = sd2.encode(Array(100).fill('a').join(' '));
    expect(long.truncated).toBe(true);
    expect(long.inputIds[76]).toBe(49407);
  });

  it('accepts the pad token as an AddedToken object, and special_tokens_map wins over tokenizer_config', () => {
    const sd2 = ClipTokenizer.fromFiles({
      ...files,
      tokenizerConfig: JSON.stringify({ model_max_length: 77, pad_token: '<|endoftext|>' }),
      specialTokensMap: JSON.stringify({ pad_token: { content: '!' } }),
    });
    expect(sd2.padId).toBe(0);
  });

  it('reads the pad token from tokenizer_config when there is no special_tokens_map', () => {
    const sd2 = ClipTokenizer.fromFiles({
      vocab: files.vocab,
      merges: files.merges,
      tokenizerConfig: JSON.stringify({ model_max_length: 77, pad_token: { content: '!', normalized: false } }),
    });
    expect(sd2.padId).toBe(0);
  });

  it('defaults to CLIP tokens and 77 without config files', () => {
    const bare = ClipTokenizer.fromFiles({ vocab: files.vocab, merges: files.merges });
    expect([bare.maxLength, bare.bosId, bare.eosId, bare.padId, bare.unkId]).toEqual([77, 49406, 49407, 49407, 49407]);
    expect(bare.encode(golden.cases[4]!.prompt).inputIds).toEqual(golden.cases[4]!.input_ids);
  });

  it('pads with eos when pad_token is null', () => {
    const t = ClipTokenizer.fromFiles({ ...files, specialTokensMap: JSON.stringify({ pad_token: null }) });
    expect(t.padId).toBe(49407);
  });

  it.each([1e30, 0, -5, 76.5, 1e9])('falls back to 77 for model_max_length %s', (value) => {
    const t = ClipTokenizer.fromFiles({ ...files, tokenizerConfig: JSON.stringify({ model_max_length: value }) });
    expect(t.maxLength).toBe(77);
  });

  it('honours a sane smaller model_max_length', () => {
    const t = ClipTokenizer.fromFiles({ ...files, tokenizerConfig: JSON.stringify({ model_max_length: 8 }) });
    const r = t.encode('one two three four five six seven');
    expect(r).toEqual({ inputIds: r.inputIds, numTokens: 7, truncated: true });
    expect(r.inputIds).toHaveLength(8);
    expect(r.inputIds[0]).toBe(49406);
    expect(r.inputIds[7]).toBe(49407);
  });

  it('handles merges without a #version header, with CRLF line ends and a BOM', () => {
    const body = files.merges.split('\n').slice(1).join('\r\n');
    const t = ClipTokenizer.fromFiles({ ...files, merges: `\uFEFF${body}` });
    for (const c of golden.cases.slice(0, 12)) expect(t.encode(c.prompt).inputIds).toEqual(c.input_ids);
  });

  it('keeps merge rules that start with "#" (they are not comments)', () => {
    // "# #</w>" is a real CLIP merge: "##" must become one token.
    expect(tokenizer.tokenize('##')).toEqual(['##</w>']);
  });
});

describe('ClipTokenizer.fromFiles rejects broken files', () => {
  const VOCAB = 'tokenizer/vocab.json';
  const MERGES = 'tokenizer/merges.txt';
  const CONFIG = 'tokenizer/tokenizer_config.json';
  const SPECIAL = 'tokenizer/special_tokens_map.json';

  it('vocab.json that is not JSON', () => {
    expectFormatError(() => ClipTokenizer.fromFiles({ ...files, vocab: '<!DOCTYPE html><html>404</html>' }), VOCAB, /not valid JSON/);
  });

  it('vocab.json that is not an object', () => {
    expectFormatError(() => ClipTokenizer.fromFiles({ ...files, vocab: '["a", "b"]' }), VOCAB, /array/);
    expectFormatError(() => ClipTokenizer.fromFiles({ ...files, vocab: '{}' }), VOCAB, /empty/);
  });

  it('vocab.json with a non-integer id', () => {
    const vocab = files.vocab.replace('"cat</w>": 2368', '"cat</w>": "2368"');
    expect(vocab).not.toBe(files.vocab);
    expectFormatError(() => ClipTokenizer.fromFiles({ ...files, vocab }), VOCAB, /cat<\/w>/);
  });

  it('vocab.json without the eos token', () => {
    const vocab = files.vocab.replace('"<|endoftext|>": 49407', '"<|end|>": 49407');
    expect(vocab).not.toBe(files.vocab);
    expectFormatError(() => ClipTokenizer.fromFiles({ ...files, vocab }), VOCAB, /eos_token "<\|endoftext\|>"/);
  });

  it('vocab.json missing byte-level symbols', () => {
    expectFormatError(
      () => ClipTokenizer.fromFiles({ ...files, vocab: JSON.stringify({ '<|startoftext|>': 0, '<|endoftext|>': 1 }) }),
      VOCAB,
      /byte-level/,
    );
  });

  it('a pad token the vocabulary lacks', () => {
    expectFormatError(
      () => ClipTokenizer.fromFiles({ ...files, specialTokensMap: JSON.stringify({ pad_token: '<pad>' }) }),
      VOCAB,
      /pad_token "<pad>".*special_tokens_map/,
    );
  });

  it('empty merges.txt', () => {
    expectFormatError(() => ClipTokenizer.fromFiles({ ...files, merges: '' }), MERGES, /has none/);
    expectFormatError(() => ClipTokenizer.fromFiles({ ...files, merges: '#version: 0.2\n\n' }), MERGES, /has none/);
  });

  it('garbage merges.txt', () => {
    expectFormatError(() => ClipTokenizer.fromFiles({ ...files, merges: '#version: 0.2\ni n\nthis is not a merge\n' }), MERGES, /line 3/);
    expectFormatError(() => ClipTokenizer.fromFiles({ ...files, merges: '<!DOCTYPE html>\n<html>\n' }), MERGES, /line 1/);
    expectFormatError(() => ClipTokenizer.fromFiles({ ...files, merges: '\u0000\u0001 \u0002' }), MERGES);
  });

  it('tokenizer_config.json that is not JSON', () => {
    expectFormatError(() => ClipTokenizer.fromFiles({ ...files, tokenizerConfig: '{"model_max_length": 77,' }), CONFIG, /not valid JSON/);
    expectFormatError(() => ClipTokenizer.fromFiles({ ...files, tokenizerConfig: 'null' }), CONFIG);
  });

  it('tokenizer_config.json with a wrongly typed entry', () => {
    expectFormatError(
      () => ClipTokenizer.fromFiles({ ...files, tokenizerConfig: JSON.stringify({ model_max_length: '77' }) }),
      CONFIG,
      /model_max_length/,
    );
    expectFormatError(
      () => ClipTokenizer.fromFiles({ ...files, tokenizerConfig: JSON.stringify({ bos_token: 49406 }) }),
      CONFIG,
      /bos_token/,
    );
  });

  it('special_tokens_map.json that is not JSON or has a bad entry', () => {
    expectFormatError(() => ClipTokenizer.fromFiles({ ...files, specialTokensMap: 'pad_token: "!"' }), SPECIAL, /not valid JSON/);
    expectFormatError(
      () => ClipTokenizer.fromFiles({ ...files, specialTokensMap: JSON.stringify({ pad_token: { lstrip: false } }) }),
      SPECIAL,
      /pad_token/,
    );
  });
});
