import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Rng } from '../random.js';
import { useBackend } from '../backend.js';
import { expectNoLeak } from '../testing/no-leak.js';
import { evaluateOn, maxRelDiff, randomArgs } from './test-helpers.js';

/**
 * [a shape, b shape] in the un-transposed orientation: a [..., M, K], b [..., K, N]. tfjs's BatchMatMul gradient does
 * not reduce over broadcast batch dimensions (on any backend), so broadcasting cases compare the forward pass only,
 * against cpu on operands explicitly broadcast with `tf.broadcastTo` (the cpu kernel itself reads out of bounds when
 * both operands broadcast, e.g. [2, 1, M, K] × [1, 3, K, N]).
 */
const CASES: [number[], number[]][] = [
  [[7, 5], [5, 3]], // 2-D
  [[33, 70], [70, 65]], // 2-D, sizes not multiples of the SIMD width / block size
  [[4, 6, 5], [5, 3]], // shared weights, rank-3 × rank-2
  [[4, 6, 5], [1, 5, 3]], // shared weights, explicit batch 1
  [[4, 6, 5], [4, 5, 3]], // batched
  [[1, 6, 5], [4, 5, 3]], // broadcast a
  [[2, 3, 6, 5], [2, 3, 5, 7]], // rank-4 batched (attention)
  [[2, 1, 6, 5], [1, 3, 5, 7]], // rank-4 two-sided broadcast
  [[3, 6, 5], [2, 3, 5, 4]], // ranks differ, batched
  [[3, 40, 33], [3, 33, 30]], // batched and large enough for the XNNPACK loop (small equal-batch products use the stock kernel)
  [[2, 2, 30, 40], [2, 2, 40, 30]], // rank-4 batched, XNNPACK loop
];

function orient(shape: number[], transpose: boolean): number[] {
  if (!transpose) return shape;
  const s = [...shape];
  const r = s.length;
  [s[r - 2], s[r - 1]] = [s[r - 1] as number, s[r - 2] as number];
  return s;
}

describe('BatchMatMul wasm override', () => {
  let seed = 1;
  for (const [aShape, bShape] of CASES) {
    for (const transposeA of [false, true]) {
      for (const transposeB of [false, true]) {
        it(`matches cpu for a ${aShape} b ${bShape} tA=${transposeA} tB=${transposeB}, forward and backward`, async () => {
          const args = randomArgs(new Rng(seed++), [orient(aShape, transposeA), orient(bShape, transposeB)]);
          const fn = (a: tf.Tensor, b: tf.Tensor): tf.Tensor => tf.matMul(a, b, transposeA, transposeB);
          const grads = JSON.stringify(aShape.slice(0, -2)) === JSON.stringify(bShape.slice(0, -2));
          const outer = tf.broadcast_util.assertAndGetBroadcastShape(aShape.slice(0, -2), bShape.slice(0, -2));
          const full = (x: tf.Tensor): tf.Tensor => tf.broadcastTo(x, [...outer, ...x.shape.slice(-2)]);
          const refFn = grads ? fn : (a: tf.Tensor, b: tf.Tensor): tf.Tensor => fn(full(a), full(b));
          const ref = await evaluateOn('cpu', refFn as never, args, seed, { grads });
          const got = await evaluateOn('wasm', fn as never, args, seed, { grads });
          expect(got.outShape).toEqual(ref.outShape);
          const K = aShape[aShape.length - 1] as number;
          const tol = 4 * Math.sqrt(K) * 2 ** -23 * 8;
          expect(maxRelDiff(got.out, ref.out)).toBeLessThan(tol);
          expect(got.grads).toHaveLength(grads ? 2 : 0);
          for (let i = 0; i < got.grads.length; i++) expect(maxRelDiff(got.grads[i] as Float32Array, ref.grads[i] as Float32Array)).toBeLessThan(tol * 4);
        });
      }
    }
  }

  it('is installed and differs from the stock kernel', async () => {
    const info = await useBackend('wasm');
    expect(info.kernelOverrides.some((n) => n.startsWith('BatchMatMul'))).toBe(true);
  });

  it('handles zero-sized inner dimensions (output of zeros)', async () => {
    await useBackend('wasm');
    const out = tf.tidy(() => tf.matMul(tf.ones([2, 3, 0]), tf.ones([2, 0, 4])).dataSync());
    expect(Array.from(out)).toEqual(new Array(24).fill(0));
  });

  it('leaks no tensors, forward and backward, in every code path', async () => {
    await useBackend('wasm');
    const before = tf.memory().numBytes;
    await expectNoLeak(() => {
      const a = tf.ones([4, 6, 5]);
      const w = tf.ones([5, 3]);
      const b = tf.ones([4, 5, 3]);
      const at = tf.ones([5, 6]);
      const bt = tf.ones([3, 5]);
      const g1 = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y, true, true))([at, bt]);
      const g2 = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y))([a, b]);
      const out = tf.matMul(a, w);
      tf.dispose([a, w, b, at, bt, ...g1, ...g2]);
      return out;
    }, 'BatchMatMul override');
    expect(tf.memory().numBytes).toBe(before);
  });
});
