import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { disposeTree, flattenTree, Rng, tidyData } from '@darl/tensor-backend';
import { describeBackends } from '@darl/tensor-backend/testing';
import { trainConfigSchema } from '../config/schema.js';
import { initDarlParams, paramTree } from '../model/darl-model.js';
import { stepTestModel } from '../test-support/step-model.js';
import { DarlTrainer, NonFiniteLossError } from './trainer.js';
import { lossByNoiseLevel, lossByPatchRow } from './step-metrics.js';


/** Smooth, learnable images: diagonal gradients with a per-image phase. */
function batch(n: number): tf.Tensor4D {
  return tf.tidy(() => {
    const y = tf.reshape(tf.range(0, 8), [1, 8, 1, 1]);
    const x = tf.reshape(tf.range(0, 8), [1, 1, 8, 1]);
    const phase = tf.reshape(tf.range(0, n), [n, 1, 1, 1]);
    return tf.sin(tf.div(tf.add(tf.add(x, y), phase), 3)) as tf.Tensor4D;
  });
}

describeBackends('DarlTrainer', () => {
  it.each([
    ['mse', 0.2, 60],
    ['diffusion', 0.6, 40],
  ] as const)('can learn: %s loss on one fixed batch falls below %s of its start', async (objective, ratio, steps) => {
    const m = stepTestModel(objective);
    const params = initDarlParams(m, { seed: 3 });
    const train = trainConfigSchema.parse({ steps, lr: 3e-3, warmupSteps: 5, weightDecay: 0, seed: 1 });
    const trainer = new DarlTrainer(m, params, train);
    const x = batch(8);
    const losses: number[] = [];
    for (let i = 0; i < steps; i++) losses.push((await trainer.stepOn([x])).loss);
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    const first = mean(losses.slice(0, 3));
    const last = mean(losses.slice(-3));
    expect(last).toBeLessThan(ratio * first);
    x.dispose();
    trainer.dispose();
    disposeTree(paramTree(params));
  });

  it('gradient accumulation over two halves equals one step on the whole batch', async () => {
    const m = stepTestModel('mse');
    const train = trainConfigSchema.parse({ steps: 10, lr: 1e-2, warmupSteps: 0, seed: 1, clipNorm: 0.5 });
    const x = batch(8);
    const [a, b] = [tf.slice(x, [0, 0, 0, 0], [4, 8, 8, 1]), tf.slice(x, [4, 0, 0, 0], [4, 8, 8, 1])];
    const p1 = initDarlParams(m, { seed: 5 });
    const p2 = initDarlParams(m, { seed: 5 });
    const t1 = new DarlTrainer(m, p1, train);
    const t2 = new DarlTrainer(m, p2, train);
    const r1 = await t1.stepOn([x]);
    const r2 = await t2.stepOn([a, b]);
    expect(Math.abs(r1.loss - r2.loss)).toBeLessThan(1e-5);
    expect(Math.abs(r1.gradNorm - r2.gradNorm)).toBeLessThan(1e-4 * r1.gradNorm);
    const l1 = flattenTree(paramTree(p1));
    const l2 = flattenTree(paramTree(p2));
    let worst = 0;
    for (let i = 0; i < l1.length; i++) worst = Math.max(worst, (await tidyData(() => tf.max(tf.abs(tf.sub(l1[i]![1], l2[i]![1])))))[0]!);
    expect(worst).toBeLessThan(1e-6);
    for (const t of [x, a, b]) t.dispose();
    t1.dispose();
    t2.dispose();
    disposeTree(paramTree(p1));
    disposeTree(paramTree(p2));
  });

  it('follows warm-up + cosine and keeps an EMA of the weights', async () => {
    const m = stepTestModel('mse');
    const params = initDarlParams(m, { seed: 2 });
    const train = trainConfigSchema.parse({ steps: 4, lr: 1e-2, minLr: 1e-4, warmupSteps: 2, seed: 1, ema: 0.5 });
    const trainer = new DarlTrainer(m, params, train);
    const before = tf.clone(params.sos);
    const x = batch(4);
    const lrs: number[] = [];
    for (let i = 0; i < 4; i++) lrs.push((await trainer.stepOn([x])).lr);
    expect(lrs[0]).toBeCloseTo(0.005, 12);
    expect(lrs[1]).toBeCloseTo(0.01, 12);
    expect(lrs[2]).toBeCloseTo(1e-4 + (1e-2 - 1e-4) * 0.5 * (1 + Math.cos(Math.PI * 0)), 12);
    expect(lrs[3]).toBeCloseTo(1e-4 + (1e-2 - 1e-4) * 0.5 * (1 + Math.cos(Math.PI * 0.5)), 12);
    // EMA with decay ½ after 4 updates lies strictly between the initial and the current weights (per coordinate sign).
    const shadow = trainer.ema!.shadow()['sos']!;
    const gap = (await tidyData(() => tf.sum(tf.abs(tf.sub(shadow, params.sos)))))[0]!;
    const total = (await tidyData(() => tf.sum(tf.abs(tf.sub(before, params.sos)))))[0]!;
    expect(gap).toBeGreaterThan(0);
    expect(gap).toBeLessThan(total);
    for (const t of [before, x]) t.dispose();
    trainer.dispose();
    disposeTree(paramTree(params));
  });
});

describeBackends('DarlTrainer memory and divergence', () => {
  it('leaks no tensors in a step (accumulation, clipping, EMA) nor when a loss is not finite, which updates nothing', async () => {
    const m = stepTestModel('diffusion');
    const params = initDarlParams(m, { seed: 2 });
    const trainer = new DarlTrainer(m, params, trainConfigSchema.parse({ steps: 4, lr: 1e-2, warmupSteps: 0, seed: 1, clipNorm: 1, ema: 0.9 }));
    const x = batch(4);
    const halves = [tf.slice(x, [0, 0, 0, 0], [2, 8, 8, 1]), tf.slice(x, [2, 0, 0, 0], [2, 8, 8, 1])] as tf.Tensor4D[];
    const bad = tf.fill([2, 8, 8, 1], Number.NaN) as tf.Tensor4D;
    await trainer.stepOn([x]);
    const before = tf.memory().numTensors;
    await trainer.stepOn(halves);
    expect(tf.memory().numTensors).toBe(before);
    const sos = Float32Array.from(await params.sos.data());
    const err = await trainer.stepOn([halves[0]!, bad]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonFiniteLossError);
    expect((err as NonFiniteLossError).what).toBe('loss');
    expect(tf.memory().numTensors).toBe(before);
    expect(trainer.step).toBe(2);
    expect(Array.from(await params.sos.data())).toEqual(Array.from(sos));
    tf.dispose([x, ...halves, bad]);
    trainer.dispose();
    disposeTree(paramTree(params));
  });
});

it('bins losses by noise level and by patch row', () => {
  const bins = lossByNoiseLevel([1, 2, 3, 4], [0.05, 0.07, 0.95, 0.5], 4);
  expect(bins.map((b) => [b.count, b.loss])).toEqual([[2, 1.5], [0, 0], [1, 4], [1, 3]]);
  // Two draws (K = 2) of one image with 4 positions on a 2×2 grid: rows [0, 0, 1, 1].
  expect(lossByPatchRow([1, 2, 3, 4, 5, 6, 7, 8], [0, 0, 1, 1], 2)).toEqual([(1 + 2 + 5 + 6) / 4, (3 + 4 + 7 + 8) / 4]);
  expect(new Rng(0).next()).toBeLessThan(1);
});
