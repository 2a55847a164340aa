import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { describeBackends, expectAllClose, expectNoLeak } from '../testing/index.js';
import { disposeTree } from '../memory.js';
import { clipByGlobalNorm, clipGradients, gradientSquares } from './clip-by-global-norm.js';

async function values(t: tf.Tensor): Promise<Float32Array> {
  return (await t.data()) as Float32Array;
}

describeBackends('clipByGlobalNorm', (ctx) => {
  it('returns the pre-clip global norm and scales to maxNorm when above it', async () => {
    const grads = { a: tf.tensor2d([[3, 0], [0, 0]]), b: tf.tensor1d([0, 4]) }; // norm 5
    const r = await clipByGlobalNorm(grads, 1);
    expect(r.norm).toBeCloseTo(5, 6);
    expectAllClose(await values(r.grads.a!), [0.6, 0, 0, 0], ctx.tol(), 0, 'a');
    expectAllClose(await values(r.grads.b!), [0, 0.8], ctx.tol(), 0, 'b');
    expect(r.grads.a!.shape).toEqual([2, 2]);
    expectAllClose(await values(grads.a), [3, 0, 0, 0], 0, 0, 'input untouched');
    disposeTree(r.grads);
    disposeTree(grads);
  });

  it('leaves gradients below maxNorm unchanged', async () => {
    const grads = { a: tf.tensor1d([0.3, -0.4]) };
    const r = await clipByGlobalNorm(grads, 1);
    expect(r.norm).toBeCloseTo(0.5, 6);
    expectAllClose(await values(r.grads.a!), Float32Array.of(0.3, -0.4), 0, 0, 'a');
    disposeTree(r.grads);
    disposeTree(grads);
  });

  it('passes non-finite gradients through unscaled and reports the norm', async () => {
    const grads = { a: tf.tensor1d([Number.POSITIVE_INFINITY, 1]) };
    const r = await clipByGlobalNorm(grads, 1);
    expect(r.norm).toBe(Number.POSITIVE_INFINITY);
    expectAllClose(Array.from(await values(r.grads.a!)).slice(1), [1], 0, 0, 'finite part');
    disposeTree(r.grads);
    disposeTree(grads);
  });

  it('equals its two halves, gradientSquares then clipGradients, bit for bit', async () => {
    const grads = { a: tf.tensor2d([[3, -1.5], [0.25, 2]]), b: tf.tensor1d([0.1, 4, -7]) };
    const whole = await clipByGlobalNorm(grads, 2);
    const squared = gradientSquares(grads);
    const squares = await squared.data();
    squared.dispose();
    expect(squares.length).toBe(2);
    const halves = clipGradients(grads, squares, 2);
    expect(halves.norm).toBe(whole.norm);
    for (const k of ['a', 'b']) expectAllClose(await values(halves.grads[k]!), await values(whole.grads[k]!), 0, 0, k);
    disposeTree([whole.grads, halves.grads, grads]);
  });

  it('leaks no tensors (clipped and unclipped)', async () => {
    const grads = { a: tf.ones([4, 4]), b: tf.ones([3]) };
    await expectNoLeak(async () => (await clipByGlobalNorm(grads, 0.1)).grads, 'clipByGlobalNorm (clipping)');
    await expectNoLeak(async () => (await clipByGlobalNorm(grads, 100)).grads, 'clipByGlobalNorm (not clipping)');
    disposeTree(grads);
  });
});

it('rejects a bad maxNorm and mismatched sums', async () => {
  await expect(clipByGlobalNorm({}, 0)).rejects.toThrow(/"maxNorm" must be a finite number > 0, got 0/);
  expect(await clipByGlobalNorm({}, 1)).toEqual({ grads: {}, norm: 0 });
  expect(() => clipGradients({}, [1], 1)).toThrow(/0 gradients but 1 sums of squares/);
  expect(() => gradientSquares({})).toThrow(/at least one gradient/);
});
