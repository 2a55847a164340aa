import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { describeBackends, expectAllClose, expectNoLeak } from '../testing/index.js';
import { disposeTree } from '../memory.js';
import { clipByGlobalNorm } from './clip-by-global-norm.js';

describeBackends('clipByGlobalNorm', (ctx) => {
  it('returns the pre-clip global norm and scales to maxNorm when above it', () => {
    const grads = { a: tf.tensor2d([[3, 0], [0, 0]]), b: tf.tensor1d([0, 4]) }; // norm 5
    const r = clipByGlobalNorm(grads, 1);
    expect(r.norm).toBeCloseTo(5, 6);
    expectAllClose(r.grads.a!, [0.6, 0, 0, 0], ctx.tol(), 0, 'a');
    expectAllClose(r.grads.b!, [0, 0.8], ctx.tol(), 0, 'b');
    expect(r.grads.a!.shape).toEqual([2, 2]);
    expectAllClose(grads.a, [3, 0, 0, 0], 0, 0, 'input untouched');
    disposeTree(r.grads);
    disposeTree(grads);
  });

  it('leaves gradients below maxNorm unchanged', () => {
    const grads = { a: tf.tensor1d([0.3, -0.4]) };
    const r = clipByGlobalNorm(grads, 1);
    expect(r.norm).toBeCloseTo(0.5, 6);
    expectAllClose(r.grads.a!, Float32Array.of(0.3, -0.4), 0, 0, 'a');
    disposeTree(r.grads);
    disposeTree(grads);
  });

  it('passes non-finite gradients through unscaled and reports the norm', () => {
    const grads = { a: tf.tensor1d([Number.POSITIVE_INFINITY, 1]) };
    const r = clipByGlobalNorm(grads, 1);
    expect(r.norm).toBe(Number.POSITIVE_INFINITY);
    expectAllClose(Array.from(r.grads.a!.dataSync()).slice(1), [1], 0, 0, 'finite part');
    disposeTree(r.grads);
    disposeTree(grads);
  });

  it('leaks no tensors (clipped and unclipped)', async () => {
    const grads = { a: tf.ones([4, 4]), b: tf.ones([3]) };
    await expectNoLeak(() => clipByGlobalNorm(grads, 0.1).grads, 'clipByGlobalNorm (clipping)');
    await expectNoLeak(() => clipByGlobalNorm(grads, 100).grads, 'clipByGlobalNorm (not clipping)');
    disposeTree(grads);
  });
});

it('rejects a bad maxNorm', () => {
  expect(() => clipByGlobalNorm({}, 0)).toThrow(/"maxNorm" must be a finite number > 0, got 0/);
  expect(clipByGlobalNorm({}, 1)).toEqual({ grads: {}, norm: 0 });
});
