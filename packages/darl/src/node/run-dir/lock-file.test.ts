// `run.lock` is judged by more than its pid: a lock naming the asking process's own pid (an earlier process with the
// same pid, as after a container restart), a pid now held by an unrelated program, or another boot is taken over with
// a note; the live writer is refused; a lock that cannot be judged is refused with the file to delete.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireRunLock, processIdentity, RunLockedError, type LockInfo } from './index.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'darl-lock-'));
const hasProc = processIdentity(process.pid) !== null;
let other: ChildProcess;

beforeAll(async () => {
  // An unrelated program that stays alive during the tests.
  other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  await new Promise((resolve) => other.once('spawn', resolve));
});
afterAll(() => {
  other.kill();
});

function lockWith(dir: string, info: Partial<LockInfo>): string {
  const path = join(dir, 'run.lock');
  writeFileSync(path, JSON.stringify({ host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', command: 'darl pretrain', ...info }));
  return path;
}

describe('run.lock: liveness by pid, boot and start time', () => {
  it('a lock naming our own pid on this host (an earlier process, as after a container restart) is taken over with a note', async () => {
    const dir = tmp();
    lockWith(dir, { pid: process.pid }); // before the fix: refused as "in use by another darl process"
    const lock = await acquireRunLock(dir);
    expect(lock.tookOver).toMatch(/took over the stale lock .*run\.lock of pid \d+ .*this process's own pid/);
    expect(JSON.parse(readFileSync(lock.path, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    await lock.release();
  });

  it.skipIf(!hasProc)('records boot id and start time; a live pid whose start time differs (pid reused) is taken over', async () => {
    const dir = tmp();
    const real = processIdentity(other.pid!)!;
    lockWith(dir, { pid: other.pid!, bootId: real.bootId, startTicks: real.startTicks - 1 }); // before: "wait for it to finish"
    const lock = await acquireRunLock(dir);
    expect(lock.tookOver).toMatch(new RegExp(`pid ${other.pid} now belongs to another process`));
    expect(lock.info).toMatchObject({ bootId: real.bootId, startTicks: processIdentity(process.pid)!.startTicks });
    await lock.release();
  });

  it.skipIf(!hasProc)('a lock of another boot of this machine is taken over', async () => {
    const dir = tmp();
    lockWith(dir, { pid: other.pid!, bootId: 'another-boot', startTicks: processIdentity(other.pid!)!.startTicks });
    const lock = await acquireRunLock(dir);
    expect(lock.tookOver).toMatch(/this machine has restarted since/);
    await lock.release();
  });

  it.skipIf(!hasProc)('the live writer (same pid and start time) is refused, saying how to stop it', async () => {
    const dir = tmp();
    lockWith(dir, { pid: other.pid!, ...processIdentity(other.pid!)! });
    const err = await acquireRunLock(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunLockedError);
    expect((err as Error).message).toMatch(new RegExp(`in use by another darl process \\(pid ${other.pid} .*kill ${other.pid}`));
  });

  it('an old lock (no start time) naming a running pid is refused with the file to delete and when that is safe', async () => {
    const dir = tmp();
    const path = lockWith(dir, { pid: other.pid! });
    const err = await acquireRunLock(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunLockedError);
    const message = (err as Error).message;
    expect(message).toContain(`ps -p ${other.pid} -o args=`);
    expect(message).toContain(`delete ${path} and run again`);
    expect(message).toMatch(/safe once no process writes/);
    expect(existsSync(path)).toBe(true);
  });

  it('a lock is released when the process exits without releasing it', async () => {
    const dir = tmp();
    const script = `import('${join(import.meta.dirname, 'lock-file.ts').replace(/\\/g, '/')}').then(async (m) => { await m.acquireRunLock(${JSON.stringify(dir)}); process.exit(3); });`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@darl/source', '-e', script], { stdio: 'ignore', cwd: import.meta.dirname });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(3);
    expect(existsSync(join(dir, 'run.lock'))).toBe(false);
  });
});
