import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../backend.js';
import { Rng } from '../random.js';
import { expectNoLeak } from '../testing/no-leak.js';
import { evaluateOn, maxRelDiff, randomArgs } from '../kernels/test-helpers.js';
import { LINEAR_KERNEL, linear } from './linear.js';

const EPS = 2 ** -23;

describe('linear op (fused GEMM + bias on native)', () => {
  let seed = 1;
  for (const [n, k, m] of [[3, 7, 5], [1, 128, 384], [640, 128, 512], [4, 1, 1], [0, 3, 4], [5, 0, 2]]) {
    it(`[${n}, ${k}] · [${k}, ${m}] + [${m}] matches cpu, forward and backward`, async () => {
      const args = randomArgs(new Rng(seed), [[n!, k!], [k!, m!], [m!]]);
      const fn = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor => linear(x as tf.Tensor2D, w, b);
      const ref = await evaluateOn('cpu', fn, args, seed + 100);
      const got = await evaluateOn('native', fn, args, seed + 100);
      seed++;
      expect(got.outShape).toEqual(ref.outShape);
      // Dot products of length k (n for dw and db) summed in another order: the worst-case error bound is len·eps
      // relative to Σ|terms|, which for N(0, 1) values is ~√len times |result|; 8·len·eps covers both.
      const tol = (len: number): number => 8 * Math.max(1, len) * EPS;
      expect(maxRelDiff(got.out, ref.out)).toBeLessThanOrEqual(tol(k!));
      expect(maxRelDiff(got.grads[0]!, ref.grads[0]!)).toBeLessThanOrEqual(tol(m!));
      expect(maxRelDiff(got.grads[1]!, ref.grads[1]!)).toBeLessThanOrEqual(tol(n!));
      expect(maxRelDiff(got.grads[2]!, ref.grads[2]!)).toBeLessThanOrEqual(tol(n!));
    });
  }

  it('is one kernel call forward on native and leaks nothing', async () => {
    await useBackend('native');
    const [x, w, b] = [tf.ones([4, 3]) as tf.Tensor2D, tf.ones([3, 2]), tf.ones([2])];
    const profile = await tf.profile(() => linear(x, w, b));
    expect(profile.kernelNames).toEqual([LINEAR_KERNEL]);
    (profile.result as tf.Tensor).dispose();
    await expectNoLeak(() => [linear(x, w, b), ...tf.grads((p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) => linear(p as tf.Tensor2D, q, r))([x, w, b])], 'native linear');
    tf.dispose([x, w, b]);
  });
});
