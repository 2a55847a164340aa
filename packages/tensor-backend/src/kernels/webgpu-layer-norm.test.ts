import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Rng } from '../random.js';
import { hasKernel } from '../ops/has-kernel.js';
import { LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL, layerNorm } from '../ops/layer-norm.js';
import { maxRelDiff, randomArgs } from './test-helpers.js';
import { countKernelCalls, evaluateAsync, selectBackend, WEBGPU_ENABLED } from './webgpu-kernel-check.js';

const EPS = 2 ** -23;

/** x [..., D] with a row offset and scale so that the mean and variance matter; gamma, beta [D]. */
const ln = (eps: number) => (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor => layerNorm(tf.add(tf.mul(x, 3), 1.5), gamma, beta, eps);

describe.runIf(WEBGPU_ENABLED)('webgpu fused LayerNorm (DarlLayerNorm, DarlLayerNormGrad) [webgpu]', () => {
  it('is registered with the overrides and removed without them', async () => {
    await selectBackend('webgpu', false);
    expect(hasKernel(LAYER_NORM_KERNEL)).toBe(false);
    await selectBackend('webgpu');
    expect(hasKernel(LAYER_NORM_KERNEL)).toBe(true);
    expect(hasKernel(LAYER_NORM_GRAD_KERNEL)).toBe(true);
  });

  // The last two have enough rows for the column sums to split them into chunks (a second dispatch adds the chunks).
  const SHAPES: number[][] = [[1, 1], [50, 1], [1, 3], [50, 3], [2, 25, 33], [1, 128], [5, 10, 128], [50, 33], [4, 50, 33], [300, 3]];
  let seed = 1;
  for (const shape of SHAPES) {
    const eps = shape.length === 3 ? 1e-2 : 1e-6;
    it(`${JSON.stringify(shape)} eps=${eps} matches the cpu composite, forward and backward (x, gamma, beta)`, async () => {
      const D = shape.at(-1) as number;
      const args = randomArgs(new Rng(seed), [shape, [D], [D]]);
      const ref = await evaluateAsync('cpu', ln(eps), args, seed + 100);
      await selectBackend('webgpu');
      const grad = await countKernelCalls(LAYER_NORM_GRAD_KERNEL, () =>
        countKernelCalls(LAYER_NORM_KERNEL, () => evaluateAsync('webgpu', ln(eps), args, seed + 100)),
      );
      seed++;
      const got = grad.result.result;
      // Once for the forward output, once more inside tf.grads; the gradient kernel once.
      expect(grad.result.calls).toBe(2);
      expect(grad.calls).toBe(1);
      expect(got.outShape).toEqual(ref.outShape);
      // Float32 throughout, sums in another order (a workgroup tree vs sequential): a few roundings per element,
      // amplified by 1/σ of a D-sum, so the bound grows like √D·ε (the same bound as the native kernel's test).
      const tol = 64 * Math.sqrt(D) * EPS;
      expect(maxRelDiff(got.out, ref.out)).toBeLessThanOrEqual(tol);
      const rows = tf.util.sizeFromShape(shape) / D;
      const sumTol = 16 * rows * EPS + tol;
      expect(maxRelDiff(got.grads[0]!, ref.grads[0]!)).toBeLessThanOrEqual(4 * tol);
      expect(maxRelDiff(got.grads[1]!, ref.grads[1]!)).toBeLessThanOrEqual(4 * sumTol);
      expect(maxRelDiff(got.grads[2]!, ref.grads[2]!)).toBeLessThanOrEqual(4 * sumTol);
    });
  }

  it('handles 0 rows (zero dgamma, dbeta) and width 0 like the composite op', async () => {
    await selectBackend('webgpu');
    const [dx, dgamma, dbeta] = tf.tidy(() =>
      tf.grads((x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => layerNorm(x, gamma, beta, 1e-6))([tf.zeros([0, 5]), tf.ones([5]), tf.zeros([5])]),
    );
    expect(dx!.shape).toEqual([0, 5]);
    expect((await dx!.data()).length).toBe(0);
    expect(Array.from(await dgamma!.data())).toEqual([0, 0, 0, 0, 0]);
    expect(Array.from(await dbeta!.data())).toEqual([0, 0, 0, 0, 0]);
    tf.dispose([dx!, dgamma!, dbeta!]);
    const empty = layerNorm(tf.zeros([3, 0]), tf.zeros([0]), tf.zeros([0]), 1e-6);
    expect(empty.shape).toEqual([3, 0]);
    expect((await empty.data()).length).toBe(0);
    empty.dispose();
  });

  it('leaks no tensors, forward and backward', async () => {
    await selectBackend('webgpu');
    // 300 rows: dgamma and dbeta are summed in chunks, whose partial sums are backend buffers freed by the kernel.
    const x = tf.tensor(new Rng(3).normalArray(300 * 6), [300, 6]);
    const gamma = tf.ones([6]);
    const beta = tf.zeros([6]);
    const before = tf.memory().numTensors;
    const buffersBefore = tf.backend().numDataIds();
    const [y, ...grads] = tf.tidy(() => [layerNorm(x, gamma, beta, 1e-5), ...tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => layerNorm(a, g, b, 1e-5))([x, gamma, beta])]);
    await Promise.all([y!, ...grads].map((t) => t.data()));
    tf.dispose([y!, ...grads]);
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.backend().numDataIds()).toBe(buffersBefore);
    tf.dispose([x, gamma, beta]);
  });
});
