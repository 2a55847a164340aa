// AdamW + clipByGlobalNorm + warmupCosine against torch.optim.AdamW (fixtures/make_adamw_golden.py).
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { describeBackends, expectAllClose, maxAbsDiff } from '../testing/index.js';
import { disposeTree } from '../memory.js';
import { AdamW } from './adamw.js';
import { clipByGlobalNorm } from './clip-by-global-norm.js';
import { gradientsByPath } from './gradients-by-path.js';
import { warmupCosine } from './lr-schedules.js';

interface Stored {
  shape: number[];
  data: number[];
}
interface Golden {
  steps: number;
  schedule: { peak: number; warmupSteps: number; totalSteps: number; final: number };
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  maxNorm: number;
  lrScale: Record<string, number>;
  decayed: string[];
  x: Stored;
  y: Stored;
  initial: Record<string, Stored>;
  lrs: number[];
  losses: number[];
  norms: number[];
  afterStep: Record<string, Record<string, number[]>>;
  final: Record<string, number[]>;
}

const golden = JSON.parse(readFileSync(new URL('../../fixtures/adamw_golden.json', import.meta.url), 'utf8')) as Golden;

type Params = {
  posEmbed: tf.Variable;
  layer1: { w: tf.Variable; bias: tf.Variable };
  norm: { gamma: tf.Variable };
  layer2: { w: tf.Variable; bias: tf.Variable };
};

function makeParams(): Params {
  const v = (path: string): tf.Variable => tf.variable(tf.tensor(golden.initial[path]!.data, golden.initial[path]!.shape, 'float32'));
  return {
    posEmbed: v('posEmbed'),
    layer1: { w: v('layer1/w'), bias: v('layer1/bias') },
    norm: { gamma: v('norm/gamma') },
    layer2: { w: v('layer2/w'), bias: v('layer2/bias') },
  };
}

function lossOf(p: Params, x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
  const h = tf.mul(tf.tanh(tf.add(tf.matMul(tf.add(x, p.posEmbed) as tf.Tensor2D, p.layer1.w as tf.Tensor2D), p.layer1.bias)), p.norm.gamma);
  const pred = tf.add(tf.matMul(h as tf.Tensor2D, p.layer2.w as tf.Tensor2D), p.layer2.bias);
  return tf.mean(tf.square(tf.sub(pred, y)));
}

function paramsByPath(p: Params): Record<string, tf.Variable> {
  return {
    posEmbed: p.posEmbed,
    'layer1/w': p.layer1.w,
    'layer1/bias': p.layer1.bias,
    'norm/gamma': p.norm.gamma,
    'layer2/w': p.layer2.w,
    'layer2/bias': p.layer2.bias,
  };
}

it('warmupCosine reproduces the learning rates of the golden run', () => {
  const schedule = warmupCosine(golden.schedule);
  expectAllClose(golden.lrs.map((_, s) => schedule(s)), golden.lrs, 1e-15, 1e-12, 'lrs');
});

describeBackends('AdamW vs torch.optim.AdamW', (ctx) => {
  async function run(decay?: (path: string) => boolean): Promise<{ losses: number[]; norms: number[]; afterStep1: Record<string, Float32Array>; final: Record<string, Float32Array>; decayed: string[] }> {
    const x = tf.tensor2d(golden.x.data, golden.x.shape as [number, number]);
    const y = tf.tensor2d(golden.y.data, golden.y.shape as [number, number]);
    const params = makeParams();
    const opt = new AdamW(params, {
      beta1: golden.beta1,
      beta2: golden.beta2,
      eps: golden.eps,
      weightDecay: golden.weightDecay,
      lrScale: (path) => golden.lrScale[path] ?? 1,
      ...(decay ? { decay } : {}),
    });
    const decayed = opt.settings().filter((s) => s.decay).map((s) => s.path);
    const schedule = warmupCosine(golden.schedule);
    const snapshot = async (): Promise<Record<string, Float32Array>> =>
      Object.fromEntries(await Promise.all(Object.entries(paramsByPath(params)).map(async ([k, t]) => [k, (await t.data()) as Float32Array])));
    const losses: number[] = [];
    const norms: number[] = [];
    let afterStep1: Record<string, Float32Array> = {};
    for (let s = 0; s < golden.steps; s++) {
      const { loss, grads } = gradientsByPath(params, () => lossOf(params, x, y));
      const clipped = await clipByGlobalNorm(grads, golden.maxNorm);
      opt.step(clipped.grads, schedule(opt.stepCount));
      losses.push((await loss.data())[0]!);
      norms.push(clipped.norm);
      loss.dispose();
      disposeTree(grads);
      disposeTree(clipped.grads);
      if (s === 0) afterStep1 = await snapshot();
    }
    expect(opt.stepCount).toBe(golden.steps);
    const final = await snapshot();
    opt.dispose();
    disposeTree(params);
    x.dispose();
    y.dispose();
    return { losses, norms, afterStep1, final, decayed };
  }

  it(`reproduces ${golden.steps} clipped, scheduled steps with decay mask and per-parameter LR`, async () => {
    const r = await run();
    // The default mask must pick exactly the parameters torch decays.
    expect(r.decayed).toEqual(golden.decayed);
    for (const path of Object.keys(golden.final)) {
      expectAllClose(r.afterStep1[path]!, golden.afterStep['1']![path]!, 1e-6, 1e-5, `${path} after step 1 [${ctx.backend}]`);
    }
    expectAllClose(r.losses, golden.losses, 1e-5, 1e-5, 'losses');
    expectAllClose(r.norms, golden.norms, 1e-5, 1e-5, 'pre-clip norms');
    for (const path of Object.keys(golden.final)) {
      expectAllClose(r.final[path]!, golden.final[path]!, 1e-5, 1e-5, `${path} after ${golden.steps} steps [${ctx.backend}]`);
    }
  });

  it('is sensitive to the decay mask (decaying every parameter misses the golden values)', async () => {
    const r = await run(() => true);
    expect(maxAbsDiff(r.final['layer2/bias']!, golden.final['layer2/bias']!)).toBeGreaterThan(1e-4);
  });
});
