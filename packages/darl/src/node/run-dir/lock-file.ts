/**
 * `run.lock`: one writer per run directory. Created exclusively; holds the writer's pid and host and, where the
 * system tells (Linux), the machine's boot id and the writer's start time, which together name one process for good:
 * a pid alone repeats after a restart (a container's pids start again at 1 and its hostname is kept).
 *
 * A lock is judged stale, and taken over with a note, when its process is provably gone: another boot of this
 * machine, no process with its pid, the pid of the process asking (an earlier process with the same pid), or a pid
 * now held by a process started at another time. A lock it cannot judge (another host, or a running pid without a
 * recorded start time: locks written before start times were recorded, or systems without `/proc`) is refused with
 * the exact file to delete and when that is safe.
 *
 * @module
 */
import { readFileSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { errnoCode, fileSystemError } from '@darl/tensor-backend/node';
import { RunLockedError } from './run-locked-error.js';
import { runPaths } from './layout.js';

/** Schema of `run.lock`. `bootId` and `startTicks` are absent in locks of older versions and where `/proc` is not. */
export const lockSchema = z.object({
  /** Process id of the writer. */
  pid: z.number().int().positive(),
  /** Host name of the writer's machine. */
  host: z.string(),
  /** When the writer took the lock, ISO 8601. */
  startedAt: z.string(),
  /** The writer's command line, for the message that names it. */
  command: z.string().optional(),
  /** The machine's boot id (Linux `/proc/sys/kernel/random/boot_id`). */
  bootId: z.string().optional(),
  /** When the writer started, in clock ticks after boot (Linux `/proc/PID/stat` field 22). */
  startTicks: z.number().int().nonnegative().optional(),
});

/** The contents of `run.lock`. */
export type LockInfo = z.output<typeof lockSchema>;

/** A held lock; `release` removes it (only if it is still ours). It is also released when the process exits. */
export interface RunLock {
  readonly path: string;
  readonly info: LockInfo;
  /** Set when a stale lock was taken over: whose it was and why it was judged stale (one sentence). */
  readonly tookOver: string | null;
  release(): Promise<void>;
  /** Synchronous release for process exit paths. */
  releaseSync(): void;
}

/** How a lock's holder stands: `live` (it writes the run), `gone` (provably), or `unknown` (cannot be judged). */
export interface LockJudgement {
  /** `live`: the writer is running; `gone`: it is not (the lock is stale); `unknown`: it cannot be told (another machine). */
  readonly holder: 'live' | 'gone' | 'unknown';
  /** Why, as a clause: "no process has pid 123". */
  readonly why: string;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM'; // exists, owned by someone else
  }
}

/** Boot id and start time of process `pid` on this machine; null where the system does not tell (no `/proc`). */
export function processIdentity(pid: number): { bootId: string; startTicks: number } | null {
  try {
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = Number(fields[22 - 3]);
    return bootId && Number.isInteger(startTicks) ? { bootId, startTicks } : null;
  } catch {
    return null;
  }
}

/** Judges the holder of lock `held` from this process on this host. */
export function judgeLock(held: LockInfo, here: { pid: number; host: string } = { pid: process.pid, host: hostname() }): LockJudgement {
  if (held.host !== here.host) return { holder: 'unknown', why: `it was written on host ${held.host}, where darl cannot look` };
  const bootId = processIdentity(here.pid)?.bootId;
  if (held.bootId !== undefined && bootId !== undefined && held.bootId !== bootId) return { holder: 'gone', why: 'this machine has restarted since' };
  if (held.pid === here.pid) return { holder: 'gone', why: `it names this process's own pid ${held.pid}, so an earlier process with that pid wrote it (pids repeat after a restart)` };
  if (!isRunning(held.pid)) return { holder: 'gone', why: `no process has pid ${held.pid} any more` };
  const now = processIdentity(held.pid);
  if (held.startTicks === undefined || now === null) {
    return {
      holder: 'unknown',
      why: `a process with pid ${held.pid} is running, but ${held.startTicks === undefined ? 'the lock does not record its start time' : 'this system does not tell process start times'}, so darl cannot tell whether it is the darl process that wrote the lock`,
    };
  }
  if (now.startTicks !== held.startTicks) return { holder: 'gone', why: `pid ${held.pid} now belongs to another process, started after the lock was written` };
  return { holder: 'live', why: `pid ${held.pid} is the process that wrote the lock` };
}

/** The refusal for a lock that is live or cannot be judged: what holds it, and how to take it over when safe. */
function lockedError(dir: string, path: string, held: LockInfo, judged: LockJudgement): RunLockedError {
  const who = `pid ${held.pid} on host ${held.host}, started ${held.startedAt}${held.command ? `, ${held.command}` : ''}`;
  if (judged.holder === 'live') {
    return new RunLockedError(
      `${dir} is in use by another darl process (${who}). Only one process may write a run directory: wait for it to finish, ` +
        `stop it (kill ${held.pid}: it commits a checkpoint and releases the lock), or choose another --out directory.`,
    );
  }
  const check = held.host === hostname() ? `\`ps -p ${held.pid} -o args=\` shows` : `\`ps -p ${held.pid} -o args=\` on host ${held.host} shows`;
  return new RunLockedError(
    `${dir} is locked (${who}), and ${judged.why}. If ${check} no darl process writing ${dir} (a pid reused after a restart, say), ` +
      `delete ${path} and run again: that is safe once no process writes ${dir}, and committed checkpoints do not depend on the lock. ` +
      'Otherwise wait for that process to finish, or choose another --out directory.',
  );
}

/** Lock files this process holds (resolved paths): a second writer in the same process is refused, not taken over. */
const heldHere = new Set<string>();

/**
 * Whether the process a lock names still runs, as far as this machine can tell ({@link judgeLock}'s verdict): null
 * where it cannot be judged (another host, or no recorded start time for a running pid).
 */
export function lockHolderRunning(held: LockInfo): boolean | null {
  const { holder } = judgeLock(held);
  return holder === 'unknown' ? null : holder === 'live';
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
 * process holds it, or while its holder cannot be judged (the message says how to take it over); takes over a stale
 * one (its process is provably gone, or the file is damaged), saying so in `tookOver`.
 */
export async function acquireRunLock(dir: string, command = 'darl'): Promise<RunLock> {
  const path = runPaths(dir).lock;
  const key = resolve(path);
  if (heldHere.has(key)) throw new RunLockedError(`${dir} is already being written by this process (${command}): open a run directory for writing once at a time.`);
  const info: LockInfo = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command, ...(processIdentity(process.pid) ?? {}) };
  const mine = `${path}.${process.pid}.new`;
  let tookOver: string | null = null;
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
      const judged: LockJudgement = held ? judgeLock(held, info) : { holder: 'gone', why: 'the file is damaged' };
      if (held && judged.holder !== 'gone') throw lockedError(dir, path, held, judged);
      tookOver = `took over the stale lock ${path}${held ? ` of pid ${held.pid} (started ${held.startedAt})` : ''}: ${judged.why}.`;
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
  heldHere.add(key);
  let released = false;
  const stillOurs = (text: string) => {
    try {
      const r = lockSchema.safeParse(JSON.parse(text));
      return r.success && r.data.pid === info.pid && r.data.startedAt === info.startedAt;
    } catch {
      return false;
    }
  };
  const settle = (): boolean => {
    if (released) return false;
    released = true;
    heldHere.delete(key);
    process.removeListener('exit', releaseSync);
    return true;
  };
  function releaseSync(): void {
    if (!settle()) return;
    try {
      if (stillOurs(readFileSync(path, 'utf8'))) unlinkSync(path);
    } catch {
      // already gone
    }
  }
  process.on('exit', releaseSync);
  return {
    path,
    info,
    tookOver,
    async release() {
      if (!settle()) return;
      const text = await readFile(path, 'utf8').catch(() => '');
      if (stillOurs(text)) await unlink(path).catch(() => undefined);
    },
    releaseSync,
  };
}
