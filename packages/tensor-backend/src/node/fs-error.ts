/**
 * File-system failures the user can fix (disk full, read-only, no permission, a file where a directory belongs) as
 * `UserError`s that name the path and the fix; anything else is returned unchanged.
 *
 * @module
 */
import { UserError } from '../user-error.js';

/** Raised when the file system refuses a read or write for a reason the user can fix. */
export class FileSystemError extends UserError {
  override readonly name = 'FileSystemError';
  constructor(
    message: string,
    /** The errno code, e.g. 'ENOSPC'. */
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const FIXES: Record<string, () => string> = {
  ENOSPC: () => 'the disk is full. Free some space (or choose a directory on another disk) and run again',
  EDQUOT: () => 'the disk quota is exhausted. Free some space (or choose a directory on another disk) and run again',
  EROFS: () => 'the file system is read-only. Choose a writable directory (e.g. --out under your home directory)',
  EACCES: () => 'permission denied. Choose a directory you can write to, or fix its permissions',
  EPERM: () => 'the operation is not permitted. Choose a directory you can write to, or fix its permissions',
  EEXIST: () => 'something already exists there. Remove it or choose another path',
  ENOTDIR: () => 'a part of the path is a file, not a directory. Choose another path',
  EISDIR: () => 'it is a directory, not a file. Give the path of a file',
  ENOENT: () => 'no such file or directory. Check the path (a parent directory that cannot be created, e.g. on a read-only system, also gives this)',
  EMFILE: () => 'too many open files. Raise the limit (ulimit -n) or close other programs',
  ENAMETOOLONG: () => 'the path is too long. Choose a shorter path',
};

/** What the user can do about an errno code ('the disk is full. Free some space…'), or undefined. */
export function fileSystemFix(code: string | undefined): string | undefined {
  return code ? FIXES[code]?.() : undefined;
}

/** The errno code of `err`, if it has one. */
export function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Wraps a Node file-system error as a {@link FileSystemError} naming `path`, what was being done and the fix, when
 * its code is one the user can act on (ENOSPC, EDQUOT, EROFS, EACCES, EPERM, EEXIST, ENOTDIR, EISDIR, ENOENT,
 * EMFILE, ENAMETOOLONG); returns `err` unchanged otherwise.
 *
 * @param action what was being done, e.g. 'write the checkpoint'
 * @param extra a sentence appended to the message (e.g. what is left unchanged)
 */
export function fileSystemError(err: unknown, path: string, action: string, extra = ''): unknown {
  const code = errnoCode(err);
  const fix = fileSystemFix(code);
  if (!code || !fix) return err;
  return new FileSystemError(`Could not ${action} at ${JSON.stringify(path)}: ${fix} (${code}).${extra ? ` ${extra}` : ''}`, code, { cause: err });
}
