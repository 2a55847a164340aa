// A kill at any moment, checkpoint writes included, leaves a run that resumes from its last committed step: the CLI
// on a tiny model, checkpointing every step, is killed (SIGKILL mostly, SIGTERM/SIGINT sometimes) at seeded random
// moments after training started, then resumed, many times in a chain.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUserError, Rng, useBackend } from '@darl/tensor-backend';
import { writeTinyIdx } from '../test-support/tiny-data.js';
import { loadCheckpoint } from './run-dir/checkpoint.js';
import { listCheckpoints } from './run-dir/checkpoint-store.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
const CLI = ['--conditions=@darl/source', '--import', 'tsx', join(root, 'packages/darl/src/cli.ts')];
const KILLS = 10;
const work = mkdtempSync(join(tmpdir(), 'darl-kill-'));

beforeAll(async () => {
  await useBackend('cpu');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Starts the CLI; once a step was logged, waits `delayMs` and sends `signal`. Resolves to the exit code/signal. */
function runAndKill(args: string[], delayMs: number, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...CLI, ...args], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let armed = false;
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      if (!armed && /step \d+\//.test(stderr)) {
        armed = true;
        setTimeout(() => child.kill(signal), delayMs);
      }
    });
    child.on('exit', (code, sig) => resolve({ code, signal: sig, stderr }));
  });
}

/**
 * The committed step as darl itself decides it: `latest.json` is a cache, so a kill between a checkpoint's rename and
 * the pointer's write leaves a committed checkpoint without it (recovered by the listing). Null when none is committed.
 */
const committedStep = async (dir: string): Promise<number | null> => (existsSync(dir) ? ((await listCheckpoints(dir)).latest?.step ?? null) : null);

describe('kill during training and checkpoints', () => {
  it(`survives ${KILLS} kills at random moments and resumes from the last committed step each time`, async () => {
    const data = writeTinyIdx(64, 5);
    const out = join(work, 'run');
    const rng = new Rng('kill-test');
    const common = ['--progress', 'lines', '--no-report', '--backend', 'cpu'];
    let last: number | null = null;
    for (let k = 0; k < KILLS; k++) {
      const signal: NodeJS.Signals = k % 5 === 4 ? (k % 2 ? 'SIGTERM' : 'SIGINT') : 'SIGKILL';
      const args =
        last === null
          ? ['pretrain', '--preset', 'tiny', '--set', 'model.patchSize=2', '--set', 'train.steps=100000', '--set', 'train.logEvery=1', '--set', 'train.checkpointEvery=1', '--set', 'train.evalImages=0', '--set', 'train.batchSize=8', '--data', `idx:${data}`, '--out', out, ...common]
          : ['pretrain', '--resume', out, ...common];
      const r = await runAndKill(args, rng.int(400), signal);
      if (signal !== 'SIGKILL') expect(r.code, r.stderr).toBe(signal === 'SIGINT' ? 130 : 143);
      const now = await committedStep(out);
      if (last !== null) expect(now).not.toBeNull();
      if (now !== null) {
        if (last !== null) expect(now).toBeGreaterThanOrEqual(last);
        // The committed checkpoint is whole: every file loads and agrees on the step.
        const ckpt = await loadCheckpoint(out).catch((e: unknown) => {
          throw new Error(`after kill ${k + 1} (${signal}): ${isUserError(e) ? 'user' : 'internal'} error ${(e as Error).message}`);
        });
        expect(ckpt.state.step).toBe(now);
        ckpt.dispose();
        // A resume starts from exactly that step.
        if (r.stderr.includes('stopped at step')) expect(r.stderr).toContain(`stopped at step ${now}`);
      }
      last = now ?? last;
    }
    expect(last).not.toBeNull();
    // Leftovers of killed writes are cleaned by the next writer; logged steps stay unique after the resumes.
    const r = await runAndKill(['pretrain', '--resume', out, '--stop-at', String(last! + 3), ...common], 60_000, 'SIGKILL');
    expect(r.code, r.stderr).toBe(0);
    expect(await committedStep(out)).toBe(last! + 3);
    expect(readdirSync(join(out, 'checkpoints')).filter((n) => n.startsWith('.tmp'))).toEqual([]);
    expect(readdirSync(out).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    const steps = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { step: number; event?: string })
      .filter((l) => !l.event)
      .map((l) => l.step);
    expect(steps).toEqual(Array.from({ length: steps.length }, (_, i) => i + 1));
  }, 600_000);
});
