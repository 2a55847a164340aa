/**
 * The `darl` executable.
 *
 * @module
 */
import { runCli } from './node/cli/program.js';

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`darl: internal error: ${String(err)}\n`);
    process.exitCode = 70;
  },
);
