// Edges of resuming and reading a run: a rewind (--from-step) killed before its first commit keeps the committed
// metrics, --from-step without --resume is refused, and `darl sample` on a run directory it cannot write into says
// to use --out.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { disposeTree, useBackend } from '@darl/tensor-backend';
import { paramTree } from '../model/darl-model.js';
import { tinyDataset } from '../test-support/tiny-data.js';
import { runCli } from './cli/program.js';
import { pretrain, type PretrainOptions } from './pretrain.js';
import { RunError } from './run-error.js';
import { runPaths, settleMetrics, type Latest } from './run-dir/index.js';

const datasets = { train: tinyDataset(48, 1), test: tinyDataset(16, 2) };
const run = {
  model: { patchSize: 2, backbone: { preset: 'tiny' as const, width: 16, depth: 2, heads: 2 } },
  train: { batchSize: 8, warmupSteps: 1, logEvery: 1, evalImages: 0, steps: 40, checkpointEvery: 2, keepCheckpoints: 10 },
};
const tmp = () => mkdtempSync(join(tmpdir(), 'darl-edges-'));

beforeAll(async () => {
  await useBackend('cpu');
});

async function train(opts: Omit<PretrainOptions, 'datasets' | 'data' | 'progress'>): Promise<void> {
  const r = await pretrain({ datasets, data: 'tiny', progress: 'none', ...opts });
  disposeTree(paramTree(r.params));
}

/** Trains until `onStep` sees `step`, then throws (a kill without a graceful stop). */
async function killedAt(opts: Omit<PretrainOptions, 'datasets' | 'data' | 'progress'>, step: number): Promise<void> {
  const kill = new Error('killed');
  await expect(
    train({
      ...opts,
      onStep: (r) => {
        if (r.step === step) throw kill;
      },
    }),
  ).rejects.toBe(kill);
}

/** The training steps logged in metrics.jsonl, in file order. */
const loggedSteps = (dir: string): number[] =>
  readFileSync(runPaths(dir).metrics, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { step: number; event?: string })
    .filter((m) => m.event === undefined)
    .map((m) => m.step);

const latestStep = (dir: string) => (JSON.parse(readFileSync(runPaths(dir).latest, 'utf8')) as { step: number }).step;
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe('resume --from-step never loses committed metrics', () => {
  it('a rewind killed before its first commit keeps the log of the committed steps, and a plain resume continues it', async () => {
    const out = tmp();
    await train({ run, out, stopAt: 8 });
    expect(loggedSteps(out)).toEqual(range(1, 8));
    await killedAt({ out, resume: true, fromStep: 2 }, 3); // rewound to 2, killed in step 3, before any commit
    expect(latestStep(out)).toBe(8);
    expect(loggedSteps(out)).toEqual(range(1, 8)); // before the fix: [1, 2] (truncated at the start of the rewind)
    await train({ out, resume: true, stopAt: 10 });
    expect(loggedSteps(out)).toEqual(range(1, 10));
    expect(existsSync(runPaths(out).metricsRewind)).toBe(false);
  });

  it('a rewind that committed replaces the abandoned steps at its commit; a kill after it resumes from the new timeline', async () => {
    const out = tmp();
    await train({ run, out, stopAt: 8 });
    await killedAt({ out, resume: true, fromStep: 2 }, 5); // commits step 4 of the rewound run, killed in step 5
    expect(latestStep(out)).toBe(4);
    expect(loggedSteps(out)).toEqual(range(1, 4));
    await train({ out, resume: true, stopAt: 6 });
    expect(loggedSteps(out)).toEqual(range(1, 6));
  });

  it('a side file left between the commit and the merge is merged; one whose rewind committed nothing is discarded', async () => {
    const out = tmp();
    const line = (step: number, loss: number) => JSON.stringify({ step, loss });
    const main = `${[1, 2, 3, 4].map((s) => line(s, 1)).join('\n')}\n`;
    const side = `${JSON.stringify({ event: 'rewind', step: 2, from: 'checkpoints/step-00000004' })}\n${line(3, 2)}\n`;
    const latest = (dir: string): Latest => ({ format: 'darl-run/2', step: 3, dir, committedAt: '2026-01-01T00:00:00.000Z' });
    writeFileSync(runPaths(out).metrics, main);
    writeFileSync(runPaths(out).metricsRewind, side);
    await settleMetrics(out, latest('checkpoints/step-00000004'));
    expect(readFileSync(runPaths(out).metrics, 'utf8')).toBe(main);
    expect(existsSync(runPaths(out).metricsRewind)).toBe(false);
    writeFileSync(runPaths(out).metricsRewind, side);
    await settleMetrics(out, latest('checkpoints/step-00000003'));
    expect(readFileSync(runPaths(out).metrics, 'utf8')).toBe(`${line(1, 1)}\n${line(2, 1)}\n${line(3, 2)}\n`);
    expect(existsSync(runPaths(out).metricsRewind)).toBe(false);
  });
});

async function cli(...argv: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const code = await runCli(argv, { stdout: () => undefined, stderr: (s) => void (err += s) });
  return { code, err };
}

describe('user errors of resuming and sampling', () => {
  it('--from-step without --resume is refused, naming --resume (CLI and API)', async () => {
    const out = join(tmp(), 'new');
    const r = await cli('pretrain', '--preset', 'tiny', '--backend', 'cpu', '--from-step', '2', '--out', out, '--progress', 'none', '--no-report');
    expect(r.code).toBe(1);
    expect(r.err).toContain('--from-step 2');
    expect(r.err).toContain('darl pretrain --resume RUN_DIR --from-step 2');
    expect(existsSync(out)).toBe(false);
    await expect(train({ run, out, fromStep: 2 })).rejects.toThrow(RunError);
  });

  it('sample --run into a run directory it cannot write names the path and suggests --out', async () => {
    const out = tmp();
    await train({ run, out, stopAt: 2 });
    writeFileSync(join(out, 'samples'), 'a file where the samples directory belongs (as on a read-only run, the directory cannot be made)');
    const r = await cli('sample', '--run', out, '--backend', 'cpu', '--n', '1');
    expect(r.code, r.err).toBe(1);
    expect(r.err).toContain(join(out, 'samples'));
    expect(r.err).toContain('--out FILE.png');
    expect(r.err).not.toMatch(/\n\s+at /);
    const png = join(tmp(), 'grid.png');
    expect((await cli('sample', '--run', out, '--backend', 'cpu', '--n', '1', '--out', png)).code).toBe(0);
    expect(existsSync(png)).toBe(true);
  });
});
