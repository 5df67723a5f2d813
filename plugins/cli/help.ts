/**
 * `stipple --help`, `stipple <command> --help`, `stipple --version`, and the
 * "did you mean" for a misspelled flag. The usage texts stay where each
 * command defines its flags; the flags a command knows are read back from
 * its usage text, so the suggestion can never offer a flag the usage lacks.
 */
import { version } from '../../package.json';
import { StippleError } from '../../core/errors';

/** `stipple 0.1.0`: the package's version. */
export const VERSION_TEXT = `stipple ${version}`;

/** True when `argv` (a command's arguments) asks for help: `--help` or `-h` before any `--`. */
export function asksForHelp(argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

/** The `--flags` a usage text names, in order, once each. */
export function flagsIn(usageText: string): string[] {
  return [...new Set(usageText.match(/--[a-z][a-z-]*/g) ?? [])];
}

/** Levenshtein distance: how many one-letter edits turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The known flag closest to `flag`, or undefined when none is close enough
 * to be what was meant (more edits than a third of its length, at least 2).
 */
export function closestFlag(flag: string, known: readonly string[]): string | undefined {
  let best: { flag: string; d: number } | undefined;
  for (const k of known) {
    const d = editDistance(flag, k);
    if (!best || d < best.d) best = { flag: k, d };
  }
  return best && best.d <= Math.max(2, Math.floor(flag.length / 3)) ? best.flag : undefined;
}

/**
 * Turns node:util parseArgs' unknown-option error into a message that names
 * the closest flag the command knows (from `commandUsage`) and shows
 * `usageText`, as the other usage errors do. Other errors pass through.
 */
export function unknownFlagError(error: unknown, commandUsage: string, usageText: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  const match = code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /'(-[^']*)'/.exec(String((error as Error).message)) : null;
  if (!match) return error;
  const flag = match[1]!;
  const near = closestFlag(flag, [...flagsIn(commandUsage), '--help']);
  const hint = near ? ` Did you mean ${near}?` : '';
  return new StippleError('INVALID_INPUT', `unknown flag ${flag}.${hint}\n${usageText}`, { cause: error });
}
