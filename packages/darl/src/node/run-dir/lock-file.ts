/**
 * `run.lock`: one writer per run directory. Created exclusively; holds the writer's pid and host. A lock whose
 * process is gone (same host, pid not running) is stale and is taken over.
 *
 * @module
 */
import { readFileSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { errnoCode, fileSystemError } from '@darl/tensor-backend/node';
import { RunLockedError } from './run-locked-error.js';
import { runPaths } from './layout.js';

/** Schema of `run.lock`. */
export const lockSchema = z.object({
  pid: z.number().int().positive(),
  host: z.string(),
  startedAt: z.string(),
  command: z.string().optional(),
});

/** The contents of `run.lock`. */
export type LockInfo = z.output<typeof lockSchema>;

/** A held lock; `release` removes it (only if it is still ours). */
export interface RunLock {
  readonly path: string;
  readonly info: LockInfo;
  release(): Promise<void>;
  /** Synchronous release for process exit paths. */
  releaseSync(): void;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM'; // exists, owned by someone else
  }
}

/**
 * Whether the process a lock names still runs, as far as this machine can tell: null for a lock of another host
 * (its process cannot be checked from here).
 */
export function lockHolderRunning(held: LockInfo): boolean | null {
  return held.host === hostname() ? isRunning(held.pid) : null;
}

async function readLock(path: string): Promise<LockInfo | null> {
  try {
    const r = lockSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
    return r.success ? r.data : null;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw err;
    return null; // unreadable or half-written: treated as stale below
  }
}

/**
 * Takes the lock of run directory `dir` (which must exist). Refuses with {@link RunLockedError} while another live
 * process holds it; takes over a stale one (its process is gone, or the file is damaged).
 */
export async function acquireRunLock(dir: string, command = 'darl'): Promise<RunLock> {
  const path = runPaths(dir).lock;
  const info: LockInfo = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command };
  const mine = `${path}.${process.pid}.new`;
  try {
    await writeFile(mine, `${JSON.stringify(info)}\n`);
  } catch (err) {
    throw fileSystemError(err, mine, 'create the run lock');
  }
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await link(mine, path); // atomic: fails when a lock exists
        break;
      } catch (err) {
        if (errnoCode(err) !== 'EEXIST') throw fileSystemError(err, path, 'create the run lock');
      }
      let held: LockInfo | null;
      try {
        held = await readLock(path);
      } catch {
        continue; // released meanwhile: try again
      }
      if (held && (held.host !== info.host || isRunning(held.pid))) {
        throw new RunLockedError(
          held.host === info.host
            ? `${dir} is in use by another darl process (pid ${held.pid}, started ${held.startedAt}${held.command ? `, ${held.command}` : ''}). ` +
                'Only one process may write a run directory: wait for it to finish or stop it, or choose another --out directory.'
            : `${dir} is locked by a darl process on host ${held.host} (pid ${held.pid}, started ${held.startedAt}). ` +
                `If no darl process runs there any more, delete ${path} and run again; otherwise wait for it or choose another --out directory.`,
        );
      }
      // Stale: move it aside (only one taker can), then link ours on the next attempt.
      const aside = `${path}.${process.pid}.stale`;
      try {
        await rename(path, aside);
        await unlink(aside);
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw fileSystemError(err, path, 'take over the stale run lock');
      }
      if (attempt === 2) throw new RunLockedError(`Could not take the lock ${path}: other processes keep taking it. Make sure only one darl process writes ${dir}.`);
    }
  } finally {
    await unlink(mine).catch(() => undefined);
  }
  let released = false;
  const stillOurs = (text: string) => {
    try {
      const r = lockSchema.safeParse(JSON.parse(text));
      return r.success && r.data.pid === info.pid && r.data.startedAt === info.startedAt;
    } catch {
      return false;
    }
  };
  return {
    path,
    info,
    async release() {
      if (released) return;
      released = true;
      const text = await readFile(path, 'utf8').catch(() => '');
      if (stillOurs(text)) await unlink(path).catch(() => undefined);
    },
    releaseSync() {
      if (released) return;
      released = true;
      try {
        if (stillOurs(readFileSync(path, 'utf8'))) unlinkSync(path);
      } catch {
        // already gone
      }
    },
  };
}
