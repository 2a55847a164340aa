import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Rng } from '../random.js';
import { expectNoLeak } from '../testing/no-leak.js';
import { hasKernel } from '../ops/has-kernel.js';
import { SUM_SQUARES_KERNEL, sumSquares } from '../ops/sum-squares.js';
import { countKernelCalls, selectBackend, WEBGPU_ENABLED } from './webgpu-kernel-check.js';

/**
 * Each sum adds non-negative float32 terms: the square (1 rounding), ≤ 8 per invocation in sequence, a tree of 256
 * (8 levels), then, across chunks, ≤ 1 more per invocation and another tree: at most 26 roundings for these sizes,
 * so a relative error within 26 units of roundoff (2⁻²⁴) of the exact sum; allow 32.
 */
const TOL = 32 * 2 ** -24;

/** Shapes: a scalar, empty ones, odd sizes, one chunk and many (40 000 and 150 000 values), over two dispatches. */
const SHAPES = [[3, 7], [], [0, 5], [200, 200], [1], [9, 1, 3], [3000, 50], [2049], [0]];

describe.runIf(WEBGPU_ENABLED)('webgpu fused sum of squares (DarlSumSquares) [webgpu]', () => {
  it('is registered with the overrides and removed without them', async () => {
    await selectBackend('webgpu', false);
    expect(hasKernel(SUM_SQUARES_KERNEL)).toBe(false);
    await selectBackend('webgpu');
    expect(hasKernel(SUM_SQUARES_KERNEL)).toBe(true);
  });

  for (const count of [1, 7, SHAPES.length]) {
    it(`matches a float64 reference for ${count} tensor(s) in one kernel call, without leaking`, async () => {
      await selectBackend('webgpu');
      const rng = new Rng(count);
      const shapes = SHAPES.slice(0, count);
      const data = shapes.map((s) => rng.normalArray(tf.util.sizeFromShape(s)));
      const expected = data.map((d) => d.reduce((a, v) => a + v * v, 0));
      const xs = shapes.map((s, i) => tf.tensor(data[i]!, s, 'float32'));
      const { result, calls } = await countKernelCalls(SUM_SQUARES_KERNEL, () => sumSquares(xs));
      expect(calls).toBe(1);
      expect(result.shape).toEqual([count]);
      const got = Array.from((await result.data()) as Float32Array);
      result.dispose();
      got.forEach((g, i) => expect(Math.abs(g - expected[i]!)).toBeLessThanOrEqual(TOL * expected[i]!));
      const buffers = tf.engine().backend.numDataIds();
      await expectNoLeak(async () => {
        const sums = sumSquares(xs);
        await sums.data();
        return sums;
      }, 'webgpu sumSquares');
      // The partial sums of the chunked dispatches are freed too.
      expect(tf.engine().backend.numDataIds()).toBe(buffers);
      tf.dispose(xs);
    });
  }
});
