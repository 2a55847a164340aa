import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../backend.js';
import { Rng } from '../random.js';
import { expectNoLeak } from '../testing/no-leak.js';
import { SUM_SQUARES_KERNEL, sumSquares } from './sum-squares.js';

describe('sumSquares op (one fused kernel on native)', () => {
  it('matches a float64 reference for many tensors, including a scalar, an empty one and 40 000 values', async () => {
    await useBackend('native');
    const rng = new Rng(8);
    const shapes = [[3, 7], [], [0, 5], [200, 200], [1], [9, 1, 3]];
    const data = shapes.map((s) => rng.normalArray(tf.util.sizeFromShape(s)));
    const expected = data.map((d) => d.reduce((a, v) => a + v * v, 0));
    const xs = shapes.map((s, i) => tf.tensor(data[i]!, s, 'float32'));
    const profile = await tf.profile(() => sumSquares(xs));
    expect(profile.kernelNames).toEqual([SUM_SQUARES_KERNEL]);
    (profile.result as tf.Tensor).dispose();
    const got = Array.from(tf.tidy(() => sumSquares(xs).dataSync()));
    // float64 accumulation: only the final rounding to float32 remains.
    got.forEach((g, i) => expect(Math.abs(g - expected[i]!)).toBeLessThanOrEqual(2 ** -23 * expected[i]!));
    await useBackend('cpu');
    const cpu = tf.tidy(() => Array.from(sumSquares(shapes.map((s, i) => tf.tensor(data[i]!, s, 'float32'))).dataSync()));
    cpu.forEach((c, i) => expect(Math.abs(c - expected[i]!)).toBeLessThanOrEqual(1e-5 * expected[i]!));
    await useBackend('native');
    await expectNoLeak(() => sumSquares(xs), 'native sumSquares');
    tf.dispose(xs);
  });
});
