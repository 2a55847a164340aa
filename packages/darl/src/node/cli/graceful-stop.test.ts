// Signals from every launcher: SIGTERM to `pnpm -s darl` and to a package manager's `sh -c` stops darl with a
// checkpoint and releases the lock (before: an orphan kept training and holding the lock), SIGHUP stops it like
// SIGTERM (before: killed, losing the steps since the last checkpoint), and a second Ctrl-C during a step quits at
// once (before: swallowed, the run finished the step and checkpointed). Each case runs the real CLI in a child.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '@darl/tensor-backend';
import { loadCheckpoint } from '../run-dir/checkpoint.js';
import { runPaths } from '../run-dir/index.js';
import { runCli } from './program.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../../../..');
const CLI = ['--conditions=@darl/source', '--import', 'tsx', join(root, 'packages/darl/src/cli.ts')];
const TRAIN = ['pretrain', '--preset', 'tiny', '--set', 'train.evalImages=0', '--no-report', '--progress', 'lines', '--set', 'train.logEvery=1', '--set', 'train.steps=100000'];
const tmp = () => join(mkdtempSync(join(tmpdir(), 'darl-signal-')), 'run');

beforeAll(async () => {
  await useBackend('cpu');
});

interface Started {
  readonly child: ChildProcess;
  stderr(): string;
  /** Resolves once stderr matches `re`. */
  until(re: RegExp): Promise<void>;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Started {
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let text = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  child.stderr!.on('data', (b: Buffer) => {
    text += b.toString();
    for (const w of waiters.filter((x) => x.re.test(text))) w.resolve();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    stderr: () => text,
    until: (re) => (re.test(text) ? Promise.resolve() : new Promise((resolve) => waiters.push({ re, resolve }))),
    exit,
  };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (up to `seconds`) until process `pid` is gone; true if it went (else kills it, so no test leaves an orphan). */
async function gone(pid: number, seconds: number): Promise<boolean> {
  for (let i = 0; i < seconds * 20 && alive(pid); i++) await sleep(50);
  if (!alive(pid)) return true;
  process.kill(pid, 'SIGKILL');
  return false;
}

const lockPid = (out: string) => (JSON.parse(readFileSync(runPaths(out).lock, 'utf8')) as { pid: number }).pid;
const latestStep = (out: string) => (JSON.parse(readFileSync(runPaths(out).latest, 'utf8')) as { step: number }).step;
const stoppedAt = (stderr: string) => Number(/stopped at step (\d+); the checkpoint is committed/.exec(stderr)?.[1]);

// The four runs are independent (each its own directory and child): they run side by side.
describe.concurrent('darl stops gracefully whatever launched it', () => {
  it('SIGTERM to `pnpm -s darl` stops darl with a checkpoint, releases the lock, and the run resumes', async () => {
    const out = tmp();
    const run = start('pnpm', ['-s', 'darl', ...TRAIN, '--out', out]);
    await run.until(/step 2\//);
    const darl = lockPid(out);
    run.child.kill('SIGTERM');
    expect(await gone(darl, 20), run.stderr()).toBe(true); // before the fix: still training after pnpm exited
    expect((await run.exit).code).toBe(143);
    expect(existsSync(runPaths(out).lock)).toBe(false);
    const step = stoppedAt(run.stderr());
    expect(latestStep(out)).toBe(step);
    let err = '';
    const code = await runCli(['pretrain', '--resume', out, '--stop-at', String(step + 1), '--progress', 'none', '--no-report'], { stdout: () => undefined, stderr: (s) => void (err += s) });
    expect(code, err).toBe(0);
    expect(latestStep(out)).toBe(step + 1);
  });

  it("SIGTERM to a package manager's `sh -c` (as npx runs a bin) stops the orphaned darl through its launcher watch", async () => {
    const out = tmp();
    const command = [process.execPath, ...CLI, ...TRAIN, '--out', out].map((a) => `'${a}'`).join(' ');
    const run = start('sh', ['-c', command], { ...process.env, npm_lifecycle_event: 'npx' });
    await run.until(/step 2\//);
    const darl = lockPid(out);
    run.child.kill('SIGTERM'); // the shell dies; darl, its child, is not signalled
    expect((await run.exit).signal).toBe('SIGTERM');
    expect(await gone(darl, 20), run.stderr()).toBe(true);
    expect(run.stderr()).toMatch(/the process that launched darl \(pid \d+\) exited: finishing the current step/);
    expect(latestStep(out)).toBe(stoppedAt(run.stderr()));
    expect(existsSync(runPaths(out).lock)).toBe(false);
  });

  it('SIGHUP (terminal closed) stops like SIGTERM: checkpoint committed, exit 129', async () => {
    const out = tmp();
    const run = start(process.execPath, [...CLI, ...TRAIN, '--out', out]);
    await run.until(/step 2\//);
    run.child.kill('SIGHUP');
    expect(await run.exit, run.stderr()).toEqual({ code: 129, signal: null }); // before: killed by SIGHUP, nothing saved
    expect(latestStep(out)).toBe(stoppedAt(run.stderr()));
    expect(existsSync(runPaths(out).lock)).toBe(false);
  });

  it('a second Ctrl-C during a step quits at once, leaving the committed checkpoint intact', async () => {
    const out = tmp();
    // Steps of 2 048 images take about 200 ms here. The first signal lands half a step after step 3 was logged (no
    // checkpoint follows step 3; step 2 is committed), the second 5 ms later: far inside step 4, yet not so close that
    // the kernel merges the two pending signals into one. (128-image steps of 30 ms with a 20 ms gap raced: on a fast
    // machine step 4 ended and was committed between the two.)
    const run = start(process.execPath, [...CLI, ...TRAIN, '--set', 'train.batchSize=2048', '--set', 'train.checkpointEvery=2', '--out', out]);
    await run.until(/step 2\//);
    const t2 = performance.now();
    await run.until(/step 3\//);
    await sleep((performance.now() - t2) / 2);
    run.child.kill('SIGINT');
    await sleep(5);
    run.child.kill('SIGINT');
    const exit = await run.exit;
    expect(exit.code === 130 || exit.signal === 'SIGINT', `${JSON.stringify(exit)} ${run.stderr()}`).toBe(true);
    expect(run.stderr()).not.toContain('stopped at step'); // before: swallowed; the step finished and was committed
    // The committed checkpoint is one of the cadence's (step 2, or step 4 where the machine ran step 4 faster than the
    // half-step estimate), never one the signals made, and it loads.
    const committed = latestStep(out);
    expect(committed % 2, run.stderr()).toBe(0);
    const ckpt = await loadCheckpoint(out);
    expect(ckpt.state.step).toBe(committed);
    ckpt.dispose();
  });
});
