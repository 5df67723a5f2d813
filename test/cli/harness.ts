/**
 * Runs the CLI's `run()` in this process, capturing what it writes: the same
 * code path as the bin, without a Node start per case.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../plugins/cli/commands';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function stippleInProcess(args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write;
  const err = process.stderr.write;
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await run(args);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

/** Every file in `dir` with its size, modification time and content: to prove a failed run changed nothing. */
export function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const s = statSync(path);
    files[name] = s.isFile() ? `${s.size}:${s.mtimeMs}:${readFileSync(path).toString('base64')}` : 'dir';
  }
  return files;
}
