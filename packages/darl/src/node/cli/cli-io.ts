/**
 * Where the CLI's output goes: stdout for results, stderr for progress and errors (tests replace both).
 *
 * @module
 */

/** Where command output goes (tests replace these). */
export interface CliIO {
  /** Writes `s` to standard output (results). */
  stdout(s: string): void;
  /** Writes `s` to standard error (progress, messages). */
  stderr(s: string): void;
}

/** The process's own streams. */
export const processIO: CliIO = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };
