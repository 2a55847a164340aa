import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Rng } from '../random.js';
import { useBackend } from '../backend.js';
import { expectNoLeak } from '../testing/no-leak.js';
import { evaluateOn, maxRelDiff, randomArgs } from './test-helpers.js';

/**
 * [a shape, b shape] in the un-transposed orientation: a [..., M, K], b [..., K, N]. Sizes straddle the GEMM's
 * register tile (12 x 32 with AVX-512, 6 x 16 with AVX2), its row block (240) and depth block (384), and its tiny-row
 * path (M < MR / 2). As in the wasm test, tfjs's BatchMatMul gradient does not reduce over broadcast batch
 * dimensions, so broadcasting cases compare the forward pass against cpu on explicitly broadcast operands.
 */
const CASES: [number[], number[]][] = [
  [[1, 1], [1, 1]], // 1 x 1
  [[7, 5], [5, 3]], // smaller than one tile
  [[2, 9], [9, 70]], // tiny-row path
  [[33, 70], [70, 65]], // partial tiles in both directions
  [[250, 400], [400, 40]], // more than one row block and depth block
  [[4, 6, 5], [5, 3]], // shared weights, rank-3 x rank-2 (flattened to one GEMM)
  [[4, 26, 5], [1, 5, 33]], // shared weights, explicit batch 1
  [[1, 6, 5], [1, 5, 3]], // batch 1 on both sides
  [[4, 6, 5], [4, 5, 3]], // batched
  [[1, 6, 5], [4, 5, 3]], // broadcast a
  [[2, 3, 13, 8], [2, 3, 8, 13]], // rank-4 batched (attention)
  [[2, 1, 6, 5], [1, 3, 5, 7]], // rank-4 two-sided broadcast
  [[3, 6, 5], [2, 3, 5, 4]], // ranks differ, batched
  [[3, 130, 33], [3, 33, 70]], // batched, one item at a time
  [[300, 200], [200, 100]], // 6 M multiply-adds: above the thread pool's threshold, so on every thread
];

function orient(shape: number[], transpose: boolean): number[] {
  if (!transpose) return shape;
  const s = [...shape];
  const r = s.length;
  [s[r - 2], s[r - 1]] = [s[r - 1] as number, s[r - 2] as number];
  return s;
}

describe('BatchMatMul native override', () => {
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
          const got = await evaluateOn('native', fn as never, args, seed, { grads });
          expect(got.outShape).toEqual(ref.outShape);
          // Both sides sum K products of N(0, 1) values in float32 in different orders: each rounding error is at
          // most eps relative to a partial sum of size ~sqrt(K), so differences stay within a few eps * sqrt(K).
          const K = aShape[aShape.length - 1] as number;
          const M = aShape[aShape.length - 2] as number;
          const tol = 8 * Math.sqrt(K) * 2 ** -23 * 8;
          expect(maxRelDiff(got.out, ref.out)).toBeLessThan(tol);
          expect(got.grads).toHaveLength(grads ? 2 : 0);
          const gradTol = 8 * Math.sqrt(Math.max(K, M, bShape[bShape.length - 1] as number)) * 2 ** -23 * 32;
          for (let i = 0; i < got.grads.length; i++) {
            expect(maxRelDiff(got.grads[i] as Float32Array, ref.grads[i] as Float32Array)).toBeLessThan(gradTol);
          }
        });
      }
    }
  }

  it('is what useBackend("native") installs, with its thread count', async () => {
    const info = await useBackend('native');
    expect(info.name).toBe('native');
    expect(info.tfjsName).toBe('wasm');
    expect(info.kernelOverrides.some((n) => n.startsWith('BatchMatMul (native'))).toBe(true);
    expect(info.native?.threads).toBeGreaterThanOrEqual(1);
    // Switching back to plain wasm swaps the override back.
    const wasm = await useBackend('wasm');
    expect(wasm.kernelOverrides.some((n) => n.startsWith('BatchMatMul (native'))).toBe(false);
  });

  it('handles empty dimensions: K = 0 gives zeros, M = 0 or batch 0 an empty result', async () => {
    await useBackend('native');
    const out = tf.tidy(() => tf.matMul(tf.ones([2, 3, 0]), tf.ones([2, 0, 4])).dataSync());
    expect(Array.from(out)).toEqual(new Array(24).fill(0));
    const outT = tf.tidy(() => tf.matMul(tf.ones([0, 3]), tf.ones([4, 0]), true, true).dataSync());
    expect(Array.from(outT)).toEqual(new Array(12).fill(0));
    expect(tf.tidy(() => tf.matMul(tf.ones([0, 3]), tf.ones([3, 4])).shape)).toEqual([0, 4]);
    expect(tf.tidy(() => tf.matMul(tf.ones([0, 2, 3]), tf.ones([0, 3, 4])).shape)).toEqual([0, 2, 4]);
  });

  it('leaks no tensors, forward and backward, in every code path', async () => {
    await useBackend('native');
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
    }, 'native BatchMatMul override');
    expect(tf.memory().numBytes).toBe(before);
  });
});
