/**
 * The last prompt pair's text embeddings, kept while the prompt is unchanged.
 *
 * Live painting runs the same prompt once per stroke; with a 1-4 step model
 * the text encoder would be a large share of each run. One entry is enough:
 * a new prompt or negative prompt replaces it (and frees the old one).
 */
import type { EncodedPrompts } from './prompts';

export class PromptCache {
  #key: string | undefined;
  #value: Promise<EncodedPrompts> | undefined;

  /** The cached encoding of this pair, or `encode()`'s (then cached). A failed encoding is not kept. */
  get(prompt: string, negativePrompt: string, encode: () => Promise<EncodedPrompts>): Promise<EncodedPrompts> {
    const key = JSON.stringify([prompt, negativePrompt]);
    if (this.#key === key && this.#value) return this.#value;
    const value = encode();
    this.#key = key;
    this.#value = value;
    value.catch(() => {
      if (this.#value === value) this.clear();
    });
    return value;
  }

  /** Whether `get` would answer from the cache. */
  has(prompt: string, negativePrompt: string): boolean {
    return this.#value !== undefined && this.#key === JSON.stringify([prompt, negativePrompt]);
  }

  clear(): void {
    this.#key = undefined;
    this.#value = undefined;
  }
}
