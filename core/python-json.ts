/**
 * JSON as Python writes it. Python's `json` module (and so diffusers,
 * transformers and every recording script) writes the non-finite floats as
 * the bare words `NaN`, `Infinity` and `-Infinity`, which strict JSON.parse
 * rejects ("No number after minus sign in JSON"). diffusers saves
 * `"lambda_min_clipped": -Infinity` in DPMSolverMultistepScheduler configs,
 * so real `scheduler_config.json` files carry it.
 *
 * Browser-safe: no Node APIs.
 */

const WORDS: Record<string, number> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY };

/**
 * Parses JSON text that may contain Python's `NaN`, `Infinity` and
 * `-Infinity` outside strings (and a leading UTF-8 byte-order mark).
 * Everything else follows JSON.parse, whose SyntaxError it throws.
 */
export function parsePythonJson(text: string): unknown {
  const source = text.replace(/^\uFEFF/, '');
  const words = findNonFiniteWords(source);
  if (words.length === 0) return JSON.parse(source);
  // Each word becomes a string marker no real string in this text can equal,
  // turned back into its number by the reviver.
  let marker = 'stipple-nonfinite';
  while (source.includes(marker)) marker += '~';
  let rewritten = '';
  let at = 0;
  for (const w of words) {
    rewritten += `${source.slice(at, w.start)}"${marker}:${w.word}"`;
    at = w.start + w.word.length;
  }
  rewritten += source.slice(at);
  const prefix = `${marker}:`;
  return JSON.parse(rewritten, (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith(prefix) ? WORDS[value.slice(prefix.length)] : value,
  );
}

/** Where the bare words `NaN`, `Infinity`, `-Infinity` stand as values (outside strings). */
function findNonFiniteWords(text: string): { start: number; word: string }[] {
  const found: { start: number; word: string }[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      inString = true;
      continue;
    }
    if (ch !== 'N' && ch !== 'I' && ch !== '-') continue;
    for (const word of ['-Infinity', 'Infinity', 'NaN']) {
      if (text.startsWith(word, i) && !/[A-Za-z0-9_]/.test(text[i + word.length] ?? '')) {
        found.push({ start: i, word });
        i += word.length - 1;
        break;
      }
    }
  }
  return found;
}
