import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeTree, useBackend } from '@darl/tensor-backend';
import { pooledFeatures } from '../model/features.js';
import { paramTree } from '../model/darl-model.js';
import { NonFiniteLossError } from '../train/trainer.js';
import type { DarlHead } from '../model/head.js';
import { mseHead, type MseHeadParams } from '../model/mse-head.js';
import { tinyDataset } from '../test-support/tiny-data.js';
import { loadRun } from './load-run.js';
import { pretrain } from './pretrain.js';
import { RunError } from './run-error.js';

const datasets = { train: tinyDataset(48, 1), test: tinyDataset(16, 2) };
const base = {
  model: { patchSize: 2, backbone: { preset: 'tiny' as const, width: 16, depth: 2, heads: 2 } },
  train: { batchSize: 8, lr: 3e-3, warmupSteps: 2, logEvery: 1, evalImages: 16 },
};
const tmp = () => mkdtempSync(join(tmpdir(), 'darl-run-'));

beforeAll(async () => {
  await useBackend('cpu');
});

describe.each(['mse', 'diffusion'] as const)('pretrain (%s)', (objective) => {
  const run = {
    ...base,
    model: { ...base.model, objective, diffusion: { decoder: { width: 32, depth: 1 }, batchMultiplier: 2, sampleSteps: 4 } },
    train: { ...base.train, steps: 8, ema: 0.9 },
  };
  let uninterrupted: number[] = [];
  let resumed: number[] = [];
  let dirA = '';
  let dirB = '';

  beforeAll(async () => {
    dirA = tmp();
    const a = await pretrain({ run, out: dirA, datasets, data: 'tiny', progress: 'none', onStep: (r) => uninterrupted.push(r.loss) });
    disposeTree(paramTree(a.params));
    dirB = tmp();
    const b1 = await pretrain({ run, out: dirB, datasets, data: 'tiny', progress: 'none', stopAt: 4, onStep: (r) => resumed.push(r.loss) });
    expect(b1.finished).toBe(false);
    disposeTree(paramTree(b1.params));
    const b2 = await pretrain({ out: dirB, resume: true, datasets, data: 'tiny', progress: 'none', onStep: (r) => resumed.push(r.loss) });
    expect(b2.finished).toBe(true);
    disposeTree(paramTree(b2.params));
  });

  it('a run of 2N steps equals N steps resumed for N more (to 1e-6)', () => {
    expect(uninterrupted).toHaveLength(8);
    expect(resumed).toHaveLength(8);
    for (let i = 0; i < 8; i++) expect(Math.abs(resumed[i]! - uninterrupted[i]!)).toBeLessThan(1e-6);
  });

  it('writes a complete run directory with metrics per step and no duplicates after resume', () => {
    for (const f of ['config.json', 'latest.json', 'metrics.jsonl']) expect(existsSync(join(dirB, f))).toBe(true);
    const latest = JSON.parse(readFileSync(join(dirB, 'latest.json'), 'utf8')) as { step: number; dir: string };
    expect(latest).toMatchObject({ step: 8, dir: 'checkpoints/step-00000008' });
    for (const f of ['state.json', 'model.safetensors', 'optimizer.safetensors']) expect(existsSync(join(dirB, latest.dir, f))).toBe(true);
    // The default keeps two checkpoints: the one of the interruption (step 4) and the final one.
    expect(readdirSync(join(dirB, 'checkpoints')).sort()).toEqual(['step-00000004', 'step-00000008']);
    expect(existsSync(join(dirB, 'run.lock'))).toBe(false);
    const steps = readFileSync(join(dirB, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { step: number; event?: string; lossByRow?: number[]; lossByNoise?: unknown[] })
      .filter((l) => !l.event);
    expect(steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(steps[0]!.lossByRow).toHaveLength(4);
    if (objective === 'diffusion') expect(steps[0]!.lossByNoise).toHaveLength(10);
    const state = JSON.parse(readFileSync(join(dirB, 'checkpoints/step-00000008/state.json'), 'utf8')) as {
      step: number;
      finished: boolean;
      versions: Record<string, string>;
      parts: { backbone: string; head: string };
    };
    expect(state.step).toBe(8);
    expect(state.parts).toEqual({ backbone: 'transformer', head: objective });
    expect(state.finished).toBe(true);
    expect(state.versions['@tensorflow/tfjs-core']).toBe(tf.version_core);
    expect(readdirSync(join(dirB, 'samples')).some((f) => f.startsWith('completions-step-000008'))).toBe(true);
    expect(readdirSync(dirB).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('checkpoints round-trip into an identical model (raw and EMA weights)', async () => {
    const a = await loadRun(dirA, { ema: false });
    const b = await loadRun(dirB, { ema: false });
    const x = tf.randomUniform([3, 8, 8, 1], -1, 1, 'float32', 1) as tf.Tensor4D;
    const fa = pooledFeatures(a.model, a.params, x, { layer: 2 });
    const fb = pooledFeatures(b.model, b.params, x, { layer: 2 });
    expect(tf.max(tf.abs(tf.sub(fa, fb))).dataSync()[0]).toBeLessThan(1e-6);
    const e = await loadRun(dirA);
    expect(e.ema).toBe(true);
    const fe = pooledFeatures(e.model, e.params, x, { layer: 2 });
    expect(tf.max(tf.abs(tf.sub(fa, fe))).dataSync()[0]).toBeGreaterThan(1e-6); // EMA weights differ from raw
    for (const t of [x, fa, fb, fe]) t.dispose();
    for (const r of [a, b, e]) r.dispose();
  });
});

describe('pretrain with a time budget', () => {
  // A fake clock that advances 0.25 s per reading: pretrain reads it before and after every step, so each step
  // takes 0.25 s of training time and a 2 s budget holds exactly 8 steps although train.steps is 1000.
  const fakeClock = () => {
    let t = 100;
    return () => (t += 0.25);
  };
  const run = { ...base, train: { ...base.train, steps: 1000, budgetSeconds: 2, lr: 1e-3, minLr: 1e-4, warmupSteps: 2 } };
  const lrs: number[] = [];
  const resumedLrs: number[] = [];
  const rates: number[] = [];
  let dir = '';

  beforeAll(async () => {
    const a = await pretrain({ run, out: tmp(), datasets, data: 'tiny', progress: 'none', clock: fakeClock(), onStep: (r) => lrs.push(r.lr) });
    expect(a.finished).toBe(true);
    rates.push(a.imagesPerSec);
    disposeTree(paramTree(a.params));
    dir = tmp();
    const b1 = await pretrain({ run, out: dir, datasets, data: 'tiny', progress: 'none', stopAt: 3, clock: fakeClock(), onStep: (r) => resumedLrs.push(r.lr) });
    expect(b1.finished).toBe(false);
    disposeTree(paramTree(b1.params));
    const mid = JSON.parse(readFileSync(join(dir, 'checkpoints/step-00000003/state.json'), 'utf8')) as { trainSeconds: number };
    expect(mid.trainSeconds).toBeCloseTo(0.75, 12);
    const b2 = await pretrain({ out: dir, resume: true, datasets, data: 'tiny', progress: 'none', clock: fakeClock(), onStep: (r) => resumedLrs.push(r.lr) });
    expect(b2.finished).toBe(true);
    rates.push(b2.imagesPerSec);
    disposeTree(paramTree(b2.params));
  });

  it("reports the run's rate: images trained over training seconds (0.25 s a step), for a resumed run too", () => {
    expect(rates).toHaveLength(2);
    for (const r of rates) expect(r).toBeCloseTo(run.train.batchSize / 0.25, 9);
  });

  it('ends when the budget is spent and decays the LR over elapsed training time', () => {
    expect(lrs).toHaveLength(8);
    // Step k starts after k · 0.25 s of the 2 s budget: progress k / 8; warm-up ramp over the first 2 steps.
    const expected = lrs.map((_, k) => Math.min(1, (k + 1) / 2) * (1e-4 + (1e-3 - 1e-4) * 0.5 * (1 + Math.cos((Math.PI * k) / 8))));
    for (let k = 0; k < 8; k++) expect(lrs[k]).toBeCloseTo(expected[k]!, 12);
  });

  it('resumes on the same time axis: elapsed training time is carried in state.json', () => {
    expect(resumedLrs).toHaveLength(8);
    for (let k = 0; k < 8; k++) expect(resumedLrs[k]).toBeCloseTo(lrs[k]!, 12);
    const state = JSON.parse(readFileSync(join(dir, 'checkpoints/step-00000008/state.json'), 'utf8')) as { step: number; trainSeconds: number; finished: boolean };
    expect(state).toMatchObject({ step: 8, finished: true });
    expect(state.trainSeconds).toBeCloseTo(2, 12);
  });
});

describe('pretrain failures', () => {
  it('refuses to overwrite an existing run', async () => {
    const dir = tmp();
    const r = await pretrain({ run: { ...base, train: { ...base.train, steps: 1 } }, out: dir, datasets, data: 'tiny', progress: 'none' });
    disposeTree(paramTree(r.params));
    await expect(pretrain({ run: base, out: dir, datasets, data: 'tiny', progress: 'none' })).rejects.toThrow(RunError);
    await expect(pretrain({ run: base, out: dir, datasets, data: 'tiny', progress: 'none' })).rejects.toThrow(/already holds a darl run.*--resume/);
  });

  it('stops on a non-finite loss with a clear message and keeps the last good checkpoint, even with checkpoints off', async () => {
    const dir = tmp();
    const run = { ...base, train: { ...base.train, steps: 6, checkpointEvery: 0, checkpointMinutes: 0 } };
    // A head whose loss overflows from the third step on (e.g. an unstable custom head). Its first call is buildDarl's
    // one-time shape check of the custom head, then one call per step.
    const inner = mseHead(16, 4);
    let calls = 0;
    const head: DarlHead<MseHeadParams> = {
      ...inner,
      loss(params, targets, conditions, rng) {
        calls++;
        const r = inner.loss(params, targets, conditions, rng);
        if (calls < 4) return r;
        const loss = tf.mul(r.loss, Infinity) as tf.Scalar;
        r.loss.dispose();
        return { ...r, loss };
      },
    };
    const err = await pretrain({ run, out: dir, datasets, data: 'tiny', progress: 'none', parts: { head } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonFiniteLossError);
    expect((err as Error).message).toBe(
      `Training diverged at step 3: the loss is Infinity. No update was applied. The last good checkpoint (step 2) is kept in ${dir}. Lower the learning rate ` +
        '(--set train.lr=...), enable or tighten gradient clipping (--set train.clipNorm=1), or lengthen the warm-up (--set train.warmupSteps=...).',
    );
    const state = JSON.parse(readFileSync(join(dir, 'checkpoints/step-00000002/state.json'), 'utf8')) as { step: number };
    expect(state.step).toBe(2);
    const loaded = await loadRun(dir, { ema: false }); // the kept checkpoint is complete and loadable
    loaded.dispose();
    expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8')).toContain('{"event":"diverged","step":3,"value":"Infinity"}');
  });
});
