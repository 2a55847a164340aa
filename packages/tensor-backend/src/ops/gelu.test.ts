import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../backend.js';
import { Rng } from '../random.js';
import { expectNoLeak } from '../testing/no-leak.js';
import { evaluateOn, maxRelDiff, randomArgs } from '../kernels/test-helpers.js';
import { hasKernel } from './has-kernel.js';
import { BIAS_GELU_KERNEL, GELU_KERNEL, biasGelu, gelu } from './gelu.js';

const EPS = 2 ** -23;

/** Inputs spread over [−6, 6] so that both tails and the curved middle are exercised. */
const wide = (x: tf.Tensor): tf.Tensor => tf.mul(x, 2.5);

describe('gelu and biasGelu ops (fused on native, composite elsewhere)', () => {
  it('run the fused kernels on native only', async () => {
    await useBackend('native');
    expect(hasKernel(GELU_KERNEL) && hasKernel(BIAS_GELU_KERNEL)).toBe(true);
    await useBackend('wasm');
    expect(hasKernel(GELU_KERNEL) || hasKernel(BIAS_GELU_KERNEL)).toBe(false);
  });

  it('gelu is x·Φ(x) (independent reference: erf by its Taylor series in float64)', async () => {
    await useBackend('native');
    const xs = [-5, -2.5, -1, -0.3, 0, 0.2, 0.7, 1.5, 3, 6];
    const erf = (z: number): number => {
      let s = 0;
      let term = z;
      for (let n = 0; n < 80; n++) {
        s += term / (2 * n + 1);
        term *= (-z * z) / (n + 1);
      }
      return (2 / Math.sqrt(Math.PI)) * s;
    };
    const got = tf.tidy(() => gelu(tf.tensor1d(xs)).dataSync());
    xs.forEach((x, i) => expect(Math.abs((got[i] as number) - x * 0.5 * (1 + erf(x / Math.SQRT2)))).toBeLessThan(1e-6 * Math.max(1, Math.abs(x))));
  });

  let seed = 1;
  for (const shape of [[1], [3, 7], [64, 50, 33], [5, 0]]) {
    it(`gelu ${JSON.stringify(shape)} matches cpu, forward and backward`, async () => {
      const args = randomArgs(new Rng(seed), [shape]);
      const fn = (x: tf.Tensor): tf.Tensor => gelu(wide(x));
      const ref = await evaluateOn('cpu', fn, args, seed + 100);
      const got = await evaluateOn('native', fn, args, seed + 100);
      seed++;
      expect(got.outShape).toEqual(ref.outShape);
      expect(maxRelDiff(got.out, ref.out)).toBeLessThanOrEqual(16 * EPS);
      expect(maxRelDiff(got.grads[0]!, ref.grads[0]!)).toBeLessThanOrEqual(64 * EPS);
    });
  }
  for (const [x, b] of [[[3, 7], [7]], [[1, 512], [512]], [[640, 512], [512]], [[2, 5, 9], [9]], [[0, 4], [4]], [[6], [6]], [[4, 6], [1]], [[4, 6], [4, 1]]] as [number[], number[]][]) {
    // The last two broadcast otherwise than a bias row: the composite code runs on native too.
    it(`biasGelu ${JSON.stringify(x)} + ${JSON.stringify(b)} matches cpu, forward and backward`, async () => {
      const args = randomArgs(new Rng(seed), [x, b]);
      const fn = (a: tf.Tensor, c: tf.Tensor): tf.Tensor => biasGelu(wide(a), c);
      const ref = await evaluateOn('cpu', fn, args, seed + 100);
      const got = await evaluateOn('native', fn, args, seed + 100);
      seed++;
      expect(got.outShape).toEqual(ref.outShape);
      expect(maxRelDiff(got.out, ref.out)).toBeLessThanOrEqual(16 * EPS);
      expect(maxRelDiff(got.grads[0]!, ref.grads[0]!)).toBeLessThanOrEqual(64 * EPS);
      // The bias gradient sums over the rows in another order.
      const rows = tf.util.sizeFromShape(x) / (b[0] as number) || 0;
      expect(maxRelDiff(got.grads[1]!, ref.grads[1]!)).toBeLessThanOrEqual(64 * EPS + 8 * rows * EPS);
    });
  }

  it('leaks no tensors, forward and backward', async () => {
    await useBackend('native');
    await expectNoLeak(() => {
      const [x, b] = [tf.ones([4, 6]), tf.ones([6])];
      const out = [gelu(x), biasGelu(x, b), ...tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.add(biasGelu(p, q), gelu(p)))([x, b])];
      tf.dispose([x, b]);
      return out;
    }, 'native gelu');
  });
});
