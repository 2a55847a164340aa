import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../backend.js';
import { Rng } from '../random.js';
import { expectNoLeak } from '../testing/no-leak.js';
import { evaluateOn, maxRelDiff, randomArgs } from '../kernels/test-helpers.js';
import { hasKernel } from './has-kernel.js';
import { LAYER_NORM_KERNEL, layerNorm } from './layer-norm.js';

const EPS = 2 ** -23;

/** x [..., D] with a row offset and scale so that the mean and variance matter; gamma, beta [D]. */
const ln = (eps: number) => (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor => layerNorm(tf.add(tf.mul(x, 3), 1.5), gamma, beta, eps);

describe('layerNorm op (fused on native, composite elsewhere)', () => {
  it('runs the fused kernel on native only', async () => {
    await useBackend('native');
    expect(hasKernel(LAYER_NORM_KERNEL)).toBe(true);
    await useBackend('native', { kernelOverrides: false });
    expect(hasKernel(LAYER_NORM_KERNEL)).toBe(false);
    await useBackend('native');
    await useBackend('wasm');
    expect(hasKernel(LAYER_NORM_KERNEL)).toBe(false);
    await useBackend('cpu');
    expect(hasKernel(LAYER_NORM_KERNEL)).toBe(false);
  });

  const SHAPES: number[][] = [[3, 7], [1, 128], [64, 50, 128], [2, 3, 5, 33], [1, 1], [7], [4, 1]];
  let seed = 1;
  for (const shape of SHAPES) {
    for (const eps of [1e-6, 1e-2]) {
      it(`${JSON.stringify(shape)} eps=${eps} matches cpu, forward and backward (x, gamma, beta)`, async () => {
        const D = shape.at(-1) as number;
        const args = randomArgs(new Rng(seed), [shape, [D], [D]]);
        const ref = await evaluateOn('cpu', ln(eps), args, seed + 100);
        const got = await evaluateOn('native', ln(eps), args, seed + 100);
        seed++;
        expect(got.outShape).toEqual(ref.outShape);
        // A few roundings per element, but normalising by σ of a D-sum: tolerance grows like √D·eps.
        const tol = 64 * Math.sqrt(D) * EPS;
        expect(maxRelDiff(got.out, ref.out)).toBeLessThanOrEqual(tol);
        const rows = tf.util.sizeFromShape(shape) / D;
        // dgamma/dbeta sum over rows in a different order (chunks vs sequential).
        const sumTol = 16 * rows * EPS + tol;
        expect(maxRelDiff(got.grads[0]!, ref.grads[0]!)).toBeLessThanOrEqual(4 * tol);
        expect(maxRelDiff(got.grads[1]!, ref.grads[1]!)).toBeLessThanOrEqual(4 * sumTol);
        expect(maxRelDiff(got.grads[2]!, ref.grads[2]!)).toBeLessThanOrEqual(4 * sumTol);
      });
    }
  }

  it('broadcasts a gamma/beta that is not [D] like the composite op (which then runs on native too)', async () => {
    const args = randomArgs(new Rng(77), [[5, 6], [5, 1], []]);
    const ref = await evaluateOn('cpu', ln(1e-6), args, 78);
    const got = await evaluateOn('native', ln(1e-6), args, 78);
    expect(maxRelDiff(got.out, ref.out)).toBeLessThanOrEqual(1e-5);
    got.grads.forEach((g, i) => expect(maxRelDiff(g, ref.grads[i]!)).toBeLessThanOrEqual(1e-5));
  });

  it('handles 0 rows and width 0 like the composite op', async () => {
    for (const backend of ['cpu', 'native'] as const) {
      await useBackend(backend);
      tf.tidy(() => {
        const g = tf.grads((x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => layerNorm(x, gamma, beta, 1e-6));
        const [dx, dgamma, dbeta] = g([tf.zeros([0, 5]), tf.ones([5]), tf.zeros([5])]);
        expect(dx!.shape).toEqual([0, 5]);
        expect(Array.from(dgamma!.dataSync())).toEqual([0, 0, 0, 0, 0]);
        expect(Array.from(dbeta!.dataSync())).toEqual([0, 0, 0, 0, 0]);
        expect(layerNorm(tf.zeros([3, 0]), tf.zeros([0]), tf.zeros([0]), 1e-6).shape).toEqual([3, 0]);
      });
    }
  });

  it('works under tf.variableGrads (the trainer path)', async () => {
    const values = new Rng(9).normalArray(6 * 10);
    const results: number[][] = [];
    for (const backend of ['cpu', 'native'] as const) {
      await useBackend(backend);
      const gamma = tf.variable(tf.fill([10], 1.3));
      const beta = tf.variable(tf.fill([10], -0.2));
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(layerNorm(tf.tensor2d(values, [6, 10]), gamma, beta, 1e-6))) as tf.Scalar, [gamma, beta]);
      results.push([value.dataSync()[0]!, ...grads[gamma.name]!.dataSync(), ...grads[beta.name]!.dataSync()]);
      tf.dispose([value, gamma, beta, ...Object.values(grads)]);
    }
    expect(maxRelDiff(Float32Array.from(results[1]!), Float32Array.from(results[0]!))).toBeLessThan(1e-5);
  });

  it('leaks no tensors, forward and backward', async () => {
    await useBackend('native');
    await expectNoLeak(() => {
      const [x, gamma, beta] = [tf.ones([4, 6]), tf.ones([6]), tf.zeros([6])];
      const y = layerNorm(x, gamma, beta, 1e-6);
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => layerNorm(a, b, c, 1e-5))([x, gamma, beta]);
      tf.dispose([x, gamma, beta]);
      return [y, ...g];
    }, 'native layerNorm');
  });
});
