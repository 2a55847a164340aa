/**
 * How the CLI reports failures: expected problems (bad config, missing files, divergence…) as their message and
 * exit code 1; usage mistakes as exit code 2; anything else as an internal error with its stack (exit code 70).
 *
 * @module
 */
import { isUserError } from '@darl/tensor-backend';

/** True for errors whose message is meant for the user (no stack trace needed): darl's user-error brand, or an
 * operating-system error about a file the user named. */
export function isExpectedError(err: unknown): err is Error {
  if (isUserError(err)) return true;
  if (!(err instanceof Error)) return false;
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'EACCES' || code === 'ENOSPC' || code === 'EISDIR' || code === 'ENOTDIR';
}

/**
 * Writes the error to stderr and returns the exit code. With `json` (a command run with `--json`), the error also
 * goes to `json` as one JSON object `{"error": {"kind": "user" | "internal", "name", "message", "exitCode"}}`, so a
 * caller that parses stdout always gets an object.
 */
export function reportError(err: unknown, write: (s: string) => void = (s) => process.stderr.write(s), json?: (s: string) => void): number {
  const expected = isExpectedError(err);
  const e = err instanceof Error ? err : new Error(String(err));
  const exitCode = expected ? 1 : 70;
  if (expected) write(`darl: error: ${e.message}\n`);
  else write(`darl: internal error: ${e.message}\nThis is a bug in darl; please report it with the command you ran.\n${e.stack ?? ''}\n`);
  if (json) json(`${JSON.stringify({ error: { kind: expected ? 'user' : 'internal', name: e.name, message: e.message, exitCode } })}\n`);
  return exitCode;
}
