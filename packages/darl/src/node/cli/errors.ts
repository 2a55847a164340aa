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

/** Writes the error to stderr and returns the exit code. */
export function reportError(err: unknown, write: (s: string) => void = (s) => process.stderr.write(s)): number {
  if (isExpectedError(err)) {
    write(`darl: error: ${err.message}\n`);
    return 1;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  write(`darl: internal error: ${e.message}\nThis is a bug in darl; please report it with the command you ran.\n${e.stack ?? ''}\n`);
  return 70;
}
