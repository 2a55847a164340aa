import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { describeBackends, expectAllClose, expectNoLeak } from '../testing/index.js';
import { disposeTree, mapTree } from '../memory.js';
import { Rng } from '../random.js';
import { AdamW, defaultDecay } from './adamw.js';
import { gradientsByPath } from './gradients-by-path.js';

function makeParams(seed: number): { blocks: { attn: { w: tf.Variable; bias: tf.Variable } }[]; norm: { gamma: tf.Variable } } {
  const rng = new Rng(seed);
  const v = (shape: number[]): tf.Variable => tf.tidy(() => tf.variable(rng.normal(shape, { std: 0.5 })));
  return {
    blocks: [{ attn: { w: v([3, 4]), bias: v([4]) } }, { attn: { w: v([4, 2]), bias: v([2]) } }],
    norm: { gamma: v([2]) },
  };
}

type P = ReturnType<typeof makeParams>;

function lossOf(p: P, x: tf.Tensor2D): tf.Scalar {
  let h: tf.Tensor2D = x;
  for (const b of p.blocks) h = tf.tanh(tf.add(tf.matMul(h, b.attn.w as tf.Tensor2D), b.attn.bias)) as tf.Tensor2D;
  return tf.mean(tf.square(tf.sub(tf.mul(h, p.norm.gamma), 0.3)));
}

function trainSteps(p: P, opt: AdamW, x: tf.Tensor2D, n: number): void {
  for (let i = 0; i < n; i++) {
    const { loss, grads } = gradientsByPath(p, () => lossOf(p, x));
    opt.step(grads, 0.01 * (1 + (opt.stepCount % 3)));
    loss.dispose();
    disposeTree(grads);
  }
}

it('defaultDecay decays rank ≥ 2 weights except norms, biases, embeddings, positions and tokens', () => {
  const w = { rank: 2 };
  const b = { rank: 1 };
  expect(defaultDecay('blocks/0/attn/wqkv', w)).toBe(true);
  expect(defaultDecay('blocks/0/mlp/fc1', b)).toBe(false);
  for (const name of ['norm/gamma', 'blocks/0/attn/bias', 'patchEmbed/w', 'posTable', 'sos', 'maskToken', 'LayerNorm/w']) {
    expect(defaultDecay(name, w)).toBe(false);
  }
});

describeBackends('AdamW', (ctx) => {
  it('first step without decay moves every element by lr·g/(|g| + ε) (bias correction)', () => {
    const p = tf.variable(tf.tensor1d([1, -2, 3, 0.5]));
    const g = tf.tensor1d([0.1, -3, 1e-3, 0]);
    const opt = new AdamW({ p }, { weightDecay: 0, eps: 1e-8 });
    opt.step({ p: g }, 0.1);
    const expected = [1 - 0.1 * (0.1 / (0.1 + 1e-8)), -2 + 0.1 * (3 / (3 + 1e-8)), 3 - 0.1 * (1e-3 / (1e-3 + 1e-8)), 0.5];
    expectAllClose(p, expected, ctx.tol(), 0, 'after one step');
    opt.dispose();
    p.dispose();
    g.dispose();
  });

  it('decouples weight decay: a zero gradient shrinks a decayed weight by (1 − lr·λ) and leaves an exempt one', () => {
    const w = tf.variable(tf.fill([2, 2], 2));
    const bias = tf.variable(tf.fill([2], 2));
    const opt = new AdamW({ w, bias }, { weightDecay: 0.5, lrScale: (path) => (path === 'w' ? 2 : 1) });
    const grads = { w: tf.zeros([2, 2]), bias: tf.zeros([2]) };
    opt.step(grads, 0.1);
    expectAllClose(w, [1.8, 1.8, 1.8, 1.8], ctx.tol(), 0, 'decayed w (lr·scale = 0.2)');
    expectAllClose(bias, [2, 2], 0, 0, 'exempt bias');
    disposeTree(grads);
    opt.dispose();
    w.dispose();
    bias.dispose();
  });

  it('step, stateTensors, construction and dispose leak no tensors', async () => {
    const p = makeParams(1);
    const x = tf.tidy(() => new Rng(2).normal([5, 3]) as tf.Tensor2D);
    const grads = gradientsByPath(p, () => lossOf(p, x));
    grads.loss.dispose();
    await expectNoLeak(() => {
      const opt = new AdamW(p);
      opt.dispose();
    }, 'AdamW construction + dispose');
    const opt = new AdamW(p);
    await expectNoLeak(() => opt.step(grads.grads, 1e-3), 'AdamW.step');
    await expectNoLeak(() => opt.stateTensors(), 'AdamW.stateTensors');
    const state = opt.stateTensors();
    await expectNoLeak(() => opt.loadState(state, 1), 'AdamW.loadState');
    disposeTree(state);
    opt.dispose();
    disposeTree(grads.grads);
    disposeTree(p);
    x.dispose();
  });

  it('a run saved mid-way and restored into a fresh AdamW continues identically', () => {
    const x = tf.tidy(() => new Rng(3).normal([6, 3]) as tf.Tensor2D);
    const a = makeParams(7);
    const optA = new AdamW(a, { weightDecay: 0.1 });
    trainSteps(a, optA, x, 5);
    // Checkpoint: parameters, optimiser state and step count.
    const savedParams = mapTree(a, (t) => tf.clone(t));
    const savedState = optA.stateTensors();
    expect(Object.keys(savedState)).toEqual([
      'm/blocks/0/attn/w', 'v/blocks/0/attn/w', 'm/blocks/0/attn/bias', 'v/blocks/0/attn/bias',
      'm/blocks/1/attn/w', 'v/blocks/1/attn/w', 'm/blocks/1/attn/bias', 'v/blocks/1/attn/bias',
      'm/norm/gamma', 'v/norm/gamma',
    ]);
    const savedStep = optA.stepCount;
    trainSteps(a, optA, x, 5);

    const b = mapTree(savedParams, (t) => tf.variable(t)) as unknown as P;
    const optB = new AdamW(b, { weightDecay: 0.1 });
    optB.loadState(savedState, savedStep);
    disposeTree(savedState);
    disposeTree(savedParams);
    trainSteps(b, optB, x, 5);
    expect(optB.stepCount).toBe(10);
    for (const [path, t] of Object.entries({ w0: [a.blocks[0]!.attn.w, b.blocks[0]!.attn.w], g: [a.norm.gamma, b.norm.gamma] })) {
      expectAllClose(t[1]!, t[0]!, 0, 0, `resumed ${path}`);
    }
    optA.dispose();
    optB.dispose();
    disposeTree([a, b] as never);
    x.dispose();
  });

  it('restoring only the parameters (a fresh AdamW without its state) diverges, so the resume test can fail', () => {
    const x = tf.tidy(() => new Rng(3).normal([6, 3]) as tf.Tensor2D);
    const a = makeParams(7);
    const optA = new AdamW(a);
    trainSteps(a, optA, x, 3);
    const b = mapTree(a, (t) => tf.variable(t)) as unknown as P;
    const optB = new AdamW(b);
    trainSteps(a, optA, x, 2);
    trainSteps(b, optB, x, 2);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a.blocks[0]!.attn.w, b.blocks[0]!.attn.w))).dataSync()[0]!);
    expect(diff).toBeGreaterThan(1e-4);
    optA.dispose();
    optB.dispose();
    disposeTree([a, b] as never);
    x.dispose();
  });
});

it('rejects bad options, unknown or misshapen gradients, and mismatched state with clear messages', async () => {
  const { useBackend } = await import('../backend.js');
  await useBackend('cpu');
  const w = tf.variable(tf.zeros([2, 3]));
  expect(() => new AdamW({ w }, { beta1: 1 })).toThrow(/AdamW: "beta1" must be in \[0, 1\), got 1/);
  expect(() => new AdamW({ w }, { lrScale: () => Number.NaN })).toThrow(/lrScale\("w"\) returned NaN/);
  expect(() => new AdamW({ w: tf.zeros([2]) as tf.Variable })).toThrow(/plain tensor, not a tf.Variable/);
  expect(() => new AdamW({ a: w, b: w })).toThrow(/appears twice/);
  const opt = new AdamW({ w });
  const g = tf.zeros([3, 2]);
  expect(() => opt.step({ w: g }, 0.1)).toThrow(/AdamW.step: "grads\["w"\]" must have shape \[2, 3\], got \[3, 2\]/);
  expect(() => opt.step({ u: g }, 0.1)).toThrow(/gradient for "u", which is not a parameter/);
  expect(() => opt.step({}, Number.NaN)).toThrow(/"lr" must be a finite number/);
  expect(() => opt.loadState({ 'm/w': tf.zeros([2, 3]) }, 1)).toThrow(/missing "v\/w"/);
  expect(() => opt.loadState({}, -1)).toThrow(/"stepCount" must be an integer/);
  opt.dispose();
  expect(() => opt.step({}, 0.1)).toThrow(/disposed/);
  g.dispose();
  w.dispose();
});
