/**
 * CLIP byte-level BPE tokenizer, as used by the Stable Diffusion text encoders.
 *
 * It reproduces what diffusers pipelines compute with
 * `tokenizer(prompt, padding="max_length", max_length=77, truncation=True)`
 * (the Hugging Face fast CLIP tokenizer, which equals OpenAI's
 * `simple_tokenizer.py` for text that needs no ftfy repairs). It reads the
 * files a model repo ships in its `tokenizer/` folder and runs in browsers:
 * no Node APIs here.
 */
import { errorMessage, TokenizerFormatError } from '../errors';
import { parsePythonJson } from '../python-json';

/** Raw texts of the files in a model repo's `tokenizer/` folder. */
export interface TokenizerFiles {
  /** `vocab.json`: token string -> id. */
  vocab: string;
  /** `merges.txt`: BPE merge rules in priority order, optionally after a `#version` header. */
  merges: string;
  /** `tokenizer_config.json` (optional): `model_max_length` and special tokens. */
  tokenizerConfig?: string;
  /** `special_tokens_map.json` (optional): special tokens; overrides `tokenizer_config.json`. */
  specialTokensMap?: string;
}

/** A prompt turned into the fixed-length id sequence the text encoder takes. */
export interface TokenizedPrompt {
  /** `[bos, first maxLength-2 BPE ids, eos]`, padded with the pad id to `maxLength`. */
  inputIds: number[];
  /**
   * Number of BPE tokens of the prompt before truncation, without bos/eos.
   * Exact up to `maxLength - 2 + 1024`; for longer prompts counting stops
   * there and this is the count so far (a lower bound, still over the limit).
   */
  numTokens: number;
  /** True when the prompt had more than `maxLength - 2` tokens and the rest was dropped. */
  truncated: boolean;
}

/** File names used in error messages, relative to the model repo. */
const FILE = {
  vocab: 'tokenizer/vocab.json',
  merges: 'tokenizer/merges.txt',
  tokenizerConfig: 'tokenizer/tokenizer_config.json',
  specialTokensMap: 'tokenizer/special_tokens_map.json',
} as const;

/** CLIP's context length: the text encoder has 77 position embeddings. */
const DEFAULT_MAX_LENGTH = 77;
/**
 * Upper bound for a believable `model_max_length`. transformers writes
 * `int(1e30)` ("no limit") when a config sets none; no CLIP-family text
 * encoder has anywhere near this many positions, so such values mean "unset".
 */
const MAX_SANE_MAX_LENGTH = 8192;

const DEFAULT_BOS = '<|startoftext|>';
const DEFAULT_EOS = '<|endoftext|>';

/** Marks the last symbol of a word in CLIP's vocabulary. */
const END_OF_WORD = '</w>';

/**
 * Whitespace as the HF fast tokenizer's normaliser sees it (Rust `\s` =
 * Unicode White_Space). JS `\s` differs slightly (it includes U+FEFF and
 * lacks U+0085), so the property is spelled out.
 */
const WHITESPACE_RUNS = /\p{White_Space}+/gu;

/**
 * CLIP's pre-tokeniser pattern (OpenAI `simple_tokenizer.py`, HF `CLIPTokenizer`):
 * the two special tokens, English contractions, letter runs, single digits, and
 * runs of everything else that is not whitespace. `\s` is written as
 * `\p{White_Space}` for the reason above. The `i` flag mirrors the reference;
 * the text is lower-cased before matching, so it changes nothing.
 */
const WORD_PATTERN =
  /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\p{White_Space}\p{L}\p{N}]+/giu;

/**
 * The two literals the pattern matches whole. They bypass BPE and map straight
 * to their vocabulary entries, as in the reference tokenizer's pre-seeded cache.
 */
const SPECIAL_WORDS = ['<|startoftext|>', '<|endoftext|>'] as const;

/**
 * Word-cache size limit. Typing a prompt produces a new partial word per
 * keystroke; the bound keeps a long editing session from growing memory
 * without limit while still holding every word a user realistically reuses.
 */
const CACHE_LIMIT = 20_000;

/**
 * Longest run of symbols BPE sees at once. BPE is quadratic in the word's
 * length and a pasted 30,000-character "word" took 47 s; longer words are
 * encoded in pieces of this many symbols (only the last carries `</w>`), as
 * CLIP tokenizers bound the work per word. No real word comes near it; for
 * such runs the pieces can differ from an unbounded BPE at the cuts.
 */
const MAX_BPE_SYMBOLS = 64;

/**
 * Tokens `encode` still counts once the prompt is known to be over the limit.
 * Counting every token of a 100,000-character prompt costs time on every
 * keystroke and changes nothing: past this many, `numTokens` is the count so
 * far (a lower bound, and still over the limit).
 */
const MAX_COUNTED_PAST_LIMIT = 1024;

/**
 * GPT-2's byte-to-unicode table: every byte gets a printable character, so
 * BPE can work on strings. Printable Latin-1 bytes map to themselves; the rest
 * (controls, space, soft hyphen...) map to U+0100 upwards, in byte order.
 */
function buildByteTable(): string[] {
  const table = new Array<string | undefined>(256).fill(undefined);
  const keepsItself = (b: number): boolean =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  for (let b = 0; b < 256; b++) if (keepsItself(b)) table[b] = String.fromCharCode(b);
  let next = 256;
  for (let b = 0; b < 256; b++) if (table[b] === undefined) table[b] = String.fromCharCode(next++);
  return table as string[];
}

const BYTE_TABLE = buildByteTable();
const UTF8 = new TextEncoder();

/** BPE result of one pre-tokenised word; shared by the cache, never handed out. */
interface WordPieces {
  readonly tokens: readonly string[];
  readonly ids: readonly number[];
}

/** Short, single-line rendering of a value for error messages. */
function preview(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = JSON.stringify(value);
  else if (value === undefined) text = 'nothing';
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** JSON.parse that reports failures as a TokenizerFormatError on `file`. */
function parseJsonObject(text: string, file: string, expected: string): Record<string, unknown> {
  let value: unknown;
  try {
    // Python writes NaN/Infinity; a UTF-8 BOM is common in hand-edited files.
    value = parsePythonJson(text);
  } catch (cause) {
    const why = errorMessage(cause);
    throw new TokenizerFormatError(file, `${expected} (the file is not valid JSON: ${why})`, { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TokenizerFormatError(file, `${expected} (the file holds ${Array.isArray(value) ? 'an array' : preview(value)})`);
  }
  return value as Record<string, unknown>;
}

/**
 * A special-token entry of `tokenizer_config.json` / `special_tokens_map.json`:
 * transformers writes either the token string or an AddedToken object
 * `{ "content": "...", ... }`. Absent and `null` mean "not set here".
 */
function readTokenContent(config: Record<string, unknown> | undefined, key: string, file: string): string | undefined {
  if (config === undefined) return undefined;
  const value = config[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && !Array.isArray(value)) {
    const content = (value as { content?: unknown }).content;
    if (typeof content === 'string') return content;
  }
  throw new TokenizerFormatError(
    file,
    `"${key}" to be a token string or an object with a string "content" (it is ${preview(value)})`,
  );
}

/**
 * `model_max_length`, falling back to CLIP's 77 when it is missing or
 * absurd (transformers' 1e30 "unlimited" sentinel, zero, fractions).
 */
function readMaxLength(config: Record<string, unknown> | undefined): number {
  const value = config?.model_max_length;
  if (value === undefined || value === null) return DEFAULT_MAX_LENGTH;
  if (typeof value !== 'number') {
    throw new TokenizerFormatError(
      FILE.tokenizerConfig,
      `"model_max_length" to be a number (it is ${preview(value)})`,
    );
  }
  // At least 2: room for bos and eos.
  if (!Number.isInteger(value) || value < 2 || value > MAX_SANE_MAX_LENGTH) return DEFAULT_MAX_LENGTH;
  return value;
}

function parseVocab(text: string): Map<string, number> {
  const expected = 'a JSON object mapping token strings to integer ids';
  const raw = parseJsonObject(text, FILE.vocab, expected);
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(raw)) {
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) {
      throw new TokenizerFormatError(
        FILE.vocab,
        `${expected} (the entry ${preview(token)} has the id ${preview(id)})`,
      );
    }
    vocab.set(token, id);
  }
  if (vocab.size === 0) throw new TokenizerFormatError(FILE.vocab, `${expected} (the object is empty)`);
  // BPE can always fall back to single bytes, so a CLIP vocabulary holds all
  // 256 byte symbols alone and with </w> (ids 0-511). Checking here turns a
  // truncated or foreign vocabulary into a clear error instead of silent <unk>s.
  for (const symbol of BYTE_TABLE) {
    for (const token of [symbol, symbol + END_OF_WORD]) {
      if (!vocab.has(token)) {
        throw new TokenizerFormatError(
          FILE.vocab,
          `every byte-level symbol alone and with "${END_OF_WORD}" (a CLIP vocabulary starts with them), but ${preview(token)} is missing`,
        );
      }
    }
  }
  return vocab;
}

/** Merge rules -> rank (lower merges first), keyed `"left right"`. */
function parseMerges(text: string, vocab: ReadonlyMap<string, number>): Map<string, number> {
  const ranks = new Map<string, number>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let rank = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    // Only `#version` lines are headers: real merges can start with '#'
    // (CLIP has "# #</w>"), so a generic comment rule would drop them.
    if (line === '' || line.startsWith('#version')) continue;
    const parts = line.split(/\s+/);
    const [left, right] = parts;
    if (parts.length !== 2 || left === undefined || right === undefined) {
      throw new TokenizerFormatError(
        FILE.merges,
        `one merge rule per line, two symbols separated by a space (line ${i + 1} is ${preview(line)})`,
      );
    }
    for (const symbol of [left, right, left + right]) {
      if (!vocab.has(symbol)) {
        throw new TokenizerFormatError(
          FILE.merges,
          `merge rules over symbols of ${FILE.vocab} (line ${i + 1}, ${preview(line)}, needs ${preview(symbol)}, which the vocabulary lacks)`,
        );
      }
    }
    // Later duplicates win, as with Python's dict(zip(merges, ranks)) and HF's Rust BPE.
    ranks.set(`${left} ${right}`, rank++);
  }
  if (ranks.size === 0) {
    throw new TokenizerFormatError(
      FILE.merges,
      'BPE merge rules, one "left right" pair per line after an optional "#version" header (the file has none)',
    );
  }
  return ranks;
}

/**
 * CLIP BPE tokenizer for Stable Diffusion prompts.
 *
 * Build it once per model with {@link ClipTokenizer.fromFiles}; {@link encode}
 * is cheap enough to run on every keystroke because BPE results are cached
 * per word.
 */
export class ClipTokenizer {
  /** Length of {@link TokenizedPrompt.inputIds}: `model_max_length` (77 for CLIP). */
  readonly maxLength: number;
  /** Id of the start token (`<|startoftext|>`, 49406 in CLIP). */
  readonly bosId: number;
  /** Id of the end token (`<|endoftext|>`, 49407 in CLIP). */
  readonly eosId: number;
  /** Id used to pad to `maxLength`: eos in SD 1.x, `!` (0) in SD 2.x / SD-Turbo. */
  readonly padId: number;
  /** Id for symbols missing from the vocabulary (`<|endoftext|>` in CLIP); unreachable with a complete vocabulary. */
  readonly unkId: number;

  readonly #vocab: ReadonlyMap<string, number>;
  readonly #ranks: ReadonlyMap<string, number>;
  /** Normalised word -> BPE pieces. Keyed before byte encoding so a hit skips UTF-8 work too. */
  readonly #cache = new Map<string, WordPieces>();

  private constructor(
    vocab: ReadonlyMap<string, number>,
    ranks: ReadonlyMap<string, number>,
    ids: { maxLength: number; bos: number; eos: number; pad: number; unk: number },
  ) {
    this.#vocab = vocab;
    this.#ranks = ranks;
    this.maxLength = ids.maxLength;
    this.bosId = ids.bos;
    this.eosId = ids.eos;
    this.padId = ids.pad;
    this.unkId = ids.unk;
  }

  /**
   * Builds a tokenizer from the texts of a repo's `tokenizer/` files.
   *
   * Special tokens come from `special_tokens_map.json`, then
   * `tokenizer_config.json` (the order transformers applies), then CLIP's
   * defaults: bos `<|startoftext|>`, eos and unk `<|endoftext|>`, pad = eos.
   *
   * @throws {TokenizerFormatError} naming the file and what it should hold,
   *   when a file is not valid JSON, the vocabulary lacks an entry the
   *   tokenizer needs, a merge line is malformed or uses unknown symbols, or a
   *   special-token entry has the wrong type.
   */
  static fromFiles(files: TokenizerFiles): ClipTokenizer {
    const vocab = parseVocab(files.vocab);
    const ranks = parseMerges(files.merges, vocab);
    const config =
      files.tokenizerConfig === undefined
        ? undefined
        : parseJsonObject(files.tokenizerConfig, FILE.tokenizerConfig, 'a JSON object of tokenizer settings');
    const specialMap =
      files.specialTokensMap === undefined
        ? undefined
        : parseJsonObject(files.specialTokensMap, FILE.specialTokensMap, 'a JSON object of special tokens');

    // Resolves one special token to its string and id; `fallback` is used
    // when neither file sets it.
    const special = (key: string, fallback: string): { token: string; id: number } => {
      const fromMap = readTokenContent(specialMap, key, FILE.specialTokensMap);
      const fromConfig = readTokenContent(config, key, FILE.tokenizerConfig);
      const token = fromMap ?? fromConfig ?? fallback;
      const source =
        fromMap !== undefined ? FILE.specialTokensMap : fromConfig !== undefined ? FILE.tokenizerConfig : 'the CLIP default';
      const id = vocab.get(token);
      if (id === undefined) {
        throw new TokenizerFormatError(FILE.vocab, `an entry for the ${key} ${preview(token)} (from ${source})`);
      }
      return { token, id };
    };
    const bos = special('bos_token', DEFAULT_BOS);
    const eos = special('eos_token', DEFAULT_EOS);
    // CLIP has no token of its own for unk or pad: both default to eos, which is
    // what SD 1.x repos use; SD 2.x repos override pad with "!".
    const unk = special('unk_token', eos.token);
    const pad = special('pad_token', eos.token);

    return new ClipTokenizer(vocab, ranks, {
      maxLength: readMaxLength(config),
      bos: bos.id,
      eos: eos.id,
      pad: pad.id,
      unk: unk.id,
    });
  }

  /**
   * Splits a prompt into BPE token strings (e.g. `['a</w>', 'photo</w>']`),
   * without bos/eos and without truncation.
   */
  tokenize(text: string): string[] {
    const out: string[] = [];
    for (const piece of this.#words(text)) out.push(...piece.tokens);
    return out;
  }


  /**
   * Turns a prompt into the text encoder's `input_ids`: `[bos]`, the first
   * `maxLength - 2` BPE ids, `[eos]`, then padding up to `maxLength`.
   */
  encode(prompt: string): TokenizedPrompt {
    const room = this.maxLength - 2;
    const inputIds = new Array<number>(this.maxLength).fill(this.padId);
    inputIds[0] = this.bosId;
    let numTokens = 0;
    for (const piece of this.#words(prompt)) {
      for (const id of piece.ids) {
        // Keep counting past the limit: callers show "N / 75 tokens" warnings.
        if (numTokens < room) inputIds[numTokens + 1] = id;
        numTokens++;
      }
      // ...but only so far: the ids are settled, and the count is already "too many".
      if (numTokens > room + MAX_COUNTED_PAST_LIMIT) break;
    }
    inputIds[Math.min(numTokens, room) + 1] = this.eosId;
    return { inputIds, numTokens, truncated: numTokens > room };
  }

  /** Normalises, pre-tokenises and BPE-encodes `text`, lazily: one entry per word (or per piece of a very long word). */
  *#words(text: string): Generator<WordPieces> {
    // NFC, collapse whitespace, strip, lower-case: the HF fast CLIP normaliser
    // (ftfy's extra repairs are out of scope, see the fixture README).
    let normal = text.normalize('NFC').replace(WHITESPACE_RUNS, ' ');
    if (normal.startsWith(' ')) normal = normal.slice(1);
    if (normal.endsWith(' ')) normal = normal.slice(0, -1);
    normal = normal.toLowerCase();

    for (const match of normal.matchAll(WORD_PATTERN)) yield* this.#pieces(match[0]);
  }

  /** BPE pieces of one pre-tokenised word, through the cache; a very long word in bounded pieces, uncached. */
  *#pieces(word: string): Generator<WordPieces> {
    const hit = this.#cache.get(word);
    if (hit !== undefined) return yield hit;

    if ((SPECIAL_WORDS as readonly string[]).includes(word) && this.#vocab.has(word)) {
      return yield this.#remember(word, [word]);
    }
    let encoded = '';
    for (const byte of UTF8.encode(word)) encoded += BYTE_TABLE[byte];
    // BYTE_TABLE characters are all in the BMP, so string length = symbol count.
    if (encoded.length <= MAX_BPE_SYMBOLS) return yield this.#remember(word, this.#bpe(encoded, true));
    for (let at = 0; at < encoded.length; at += MAX_BPE_SYMBOLS) {
      const last = at + MAX_BPE_SYMBOLS >= encoded.length;
      const tokens = this.#bpe(encoded.slice(at, at + MAX_BPE_SYMBOLS), last);
      yield { tokens, ids: tokens.map((t) => this.#vocab.get(t) ?? this.unkId) };
    }
  }

  #remember(word: string, tokens: string[]): WordPieces {
    const pieces: WordPieces = {
      tokens,
      ids: tokens.map((t) => this.#vocab.get(t) ?? this.unkId),
    };

    // Map iterates in insertion order, so the first key is the oldest entry.
    if (this.#cache.size >= CACHE_LIMIT) {
      const oldest = this.#cache.keys().next();
      if (!oldest.done) this.#cache.delete(oldest.value);
    }
    this.#cache.set(word, pieces);
    return pieces;
  }

  /**
   * Byte-pair encoding of one byte-encoded word: start from single symbols
   * (the last one carrying `</w>` when `endOfWord`), then repeatedly merge every occurrence of
   * the adjacent pair with the lowest rank until no known pair is left.
   */
  #bpe(word: string, endOfWord: boolean): string[] {
    let symbols = Array.from(word);
    const last = symbols.length - 1;
    if (endOfWord) symbols[last] = symbols[last] + END_OF_WORD;

    while (symbols.length > 1) {
      let bestRank = Infinity;
      let first = '';
      let second = '';
      for (let i = 0; i < symbols.length - 1; i++) {
        const a = symbols[i] as string;
        const b = symbols[i + 1] as string;
        const rank = this.#ranks.get(`${a} ${b}`);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          first = a;
          second = b;
        }
      }
      if (bestRank === Infinity) break;

      // Merge left to right without overlaps, as the reference does ("a a a"
      // with pair "a a" becomes ["aa", "a"]).
      const merged: string[] = [];
      for (let i = 0; i < symbols.length; ) {
        if (i < symbols.length - 1 && symbols[i] === first && symbols[i + 1] === second) {
          merged.push(first + second);
          i += 2;
        } else {
          merged.push(symbols[i] as string);
          i += 1;
        }
      }
      symbols = merged;
    }
    return symbols;
  }
}
