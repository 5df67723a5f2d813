/**
 * The `stipple` command line: tokenize prompts and run the four edits on a
 * local model folder. Every result is a new file; inputs are never modified.
 */
import { errorMessage } from '../../core/errors';
import { run } from './commands';

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`stipple: ${errorMessage(error)}\n`);
    process.exitCode = 1;
  },
);
