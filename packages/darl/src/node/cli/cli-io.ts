/**
 * Where the CLI's output goes: stdout for results, stderr for progress and errors (tests replace both).
 *
 * @module
 */

/** Where command output goes (tests replace these). */
export interface CliIO {
  stdout(s: string): void;
  stderr(s: string): void;
}

/** The process's own streams. */
export const processIO: CliIO = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };
