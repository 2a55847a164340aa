import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Rng } from '../random.js';
import { useBackend } from '../backend.js';
import { expectNoLeak } from '../testing/no-leak.js';
import { evaluateOn, maxRelDiff, randomArgs } from './test-helpers.js';

describe('UnsortedSegmentSum on wasm', () => {
  it('matches cpu on random values, with repeated and out-of-range ids', async () => {
    const args = randomArgs(new Rng(21), [[7, 3, 2]]);
    const ids = [2, 0, 2, 5, 1, -1, 2];
    const fn = (x: tf.Tensor): tf.Tensor => tf.unsortedSegmentSum(x, tf.tensor1d(ids, 'int32'), 4);
    const ref = await evaluateOn('cpu', fn as never, args, 1, { grads: false });
    const got = await evaluateOn('wasm', fn as never, args, 1, { grads: false });
    expect(got.outShape).toEqual([4, 3, 2]);
    expect(maxRelDiff(got.out, ref.out)).toBeLessThan(1e-6);
  });

  it('sums int32 values', async () => {
    await useBackend('wasm');
    const out = tf.tidy(() =>
      Array.from(tf.unsortedSegmentSum(tf.tensor2d([[1, 2], [3, 4], [5, 6]], [3, 2], 'int32'), tf.tensor1d([1, 1, 0], 'int32'), 2).dataSync()),
    );
    expect(out).toEqual([5, 6, 4, 6]);
  });

  it('makes gather (embedding lookup) differentiable on wasm, equal to cpu', async () => {
    const args = randomArgs(new Rng(22), [[10, 6]]);
    const idx = [3, 3, 9, 0, 3, 7];
    const fn = (table: tf.Tensor): tf.Tensor => tf.gather(table, tf.tensor1d(idx, 'int32'));
    const ref = await evaluateOn('cpu', fn as never, args, 2);
    const got = await evaluateOn('wasm', fn as never, args, 2);
    expect(maxRelDiff(got.out, ref.out)).toBe(0);
    expect(maxRelDiff(got.grads[0] as Float32Array, ref.grads[0] as Float32Array)).toBeLessThan(1e-6);
  });

  it('rejects segment ids that do not match x', async () => {
    await useBackend('wasm');
    expect(() => tf.tidy(() => tf.unsortedSegmentSum(tf.ones([3, 2]), tf.tensor1d([0, 1], 'int32'), 2))).toThrow(/segmentIds must be int32/);
  });

  it('leaks no tensors', async () => {
    await useBackend('wasm');
    await expectNoLeak(() => {
      const t = tf.ones([5, 2]);
      const i = tf.tensor1d([1, 4], 'int32');
      const [g] = tf.grads((x: tf.Tensor) => tf.gather(x, i))([t]);
      tf.dispose([t, i, g as tf.Tensor]);
      return tf.tidy(() => tf.unsortedSegmentSum(tf.ones([3, 2]), tf.tensor1d([0, 1, 0], 'int32'), 2));
    }, 'UnsortedSegmentSum');
  });
});
