import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Rng } from '../random.js';
import { hasKernel } from '../ops/has-kernel.js';
import { BIAS_GELU_GRAD_KERNEL, BIAS_GELU_KERNEL, GELU_GRAD_KERNEL, GELU_KERNEL, biasGelu, gelu } from '../ops/gelu.js';
import { maxRelDiff, randomArgs } from './test-helpers.js';
import { countKernelCalls, evaluateAsync, selectBackend, WEBGPU_ENABLED } from './webgpu-kernel-check.js';

const EPS = 2 ** -23;

/** Inputs spread over [−6, 6] so that both tails and the curved middle are exercised. */
const wide = (x: tf.Tensor): tf.Tensor => tf.mul(x, 2.5);

/**
 * Tolerances: the same formulas in float32; WGSL's exp may be off by 3 + 2|x| ulp (x = z² ≤ 36 where it matters,
 * though the erf term it scales is then < 1e-15), so allow 32 ulp forward and 128 ulp for the gradient, relative to
 * max(1, |value|).
 */
const FWD_TOL = 32 * EPS;
const GRAD_TOL = 128 * EPS;

/** Evaluates `fn` on webgpu, counting the calls of a forward and a gradient kernel. */
async function onWebGpu(fn: (...xs: tf.Tensor[]) => tf.Tensor, args: ReturnType<typeof randomArgs>, seed: number, kernel: string, gradKernel: string) {
  await selectBackend('webgpu');
  const g = await countKernelCalls(gradKernel, () => countKernelCalls(kernel, () => evaluateAsync('webgpu', fn, args, seed)));
  return { got: g.result.result, calls: g.result.calls, gradCalls: g.calls };
}

describe.runIf(WEBGPU_ENABLED)('webgpu fused GELU and bias + GELU [webgpu]', () => {
  it('are registered with the overrides and removed without them', async () => {
    await selectBackend('webgpu', false);
    expect([GELU_KERNEL, BIAS_GELU_KERNEL].some(hasKernel)).toBe(false);
    await selectBackend('webgpu');
    expect([GELU_KERNEL, GELU_GRAD_KERNEL, BIAS_GELU_KERNEL, BIAS_GELU_GRAD_KERNEL].every(hasKernel)).toBe(true);
  });

  let seed = 1;
  for (const shape of [[1], [3, 7], [2, 25, 33], [50, 128], [5, 0]]) {
    it(`gelu ${JSON.stringify(shape)} matches the cpu composite, forward and backward`, async () => {
      const args = randomArgs(new Rng(seed), [shape]);
      const fn = (x: tf.Tensor): tf.Tensor => gelu(wide(x));
      const ref = await evaluateAsync('cpu', fn, args, seed + 100);
      const { got, calls, gradCalls } = await onWebGpu(fn, args, seed + 100, GELU_KERNEL, GELU_GRAD_KERNEL);
      seed++;
      expect([calls, gradCalls]).toEqual([2, 1]);
      expect(got.outShape).toEqual(ref.outShape);
      expect(maxRelDiff(got.out, ref.out)).toBeLessThanOrEqual(FWD_TOL);
      expect(maxRelDiff(got.grads[0]!, ref.grads[0]!)).toBeLessThanOrEqual(GRAD_TOL);
    });
  }

  const CASES: [number[], number[]][] = [
    [[1, 1], [1]],
    [[50, 1], [1]],
    [[1, 3], [3]],
    [[50, 3], [3]],
    [[2, 25, 33], [33]],
    [[1, 128], [128]],
    [[50, 128], [128]],
    [[0, 4], [4]],
    // Enough rows for the bias gradient to be summed in chunks of rows.
    [[4, 50, 33], [33]],
    [[300, 3], [3]],
    [[4, 6], [4, 1]],
  ];
  for (const [x, b] of CASES) {
    const fused = b.length === 1;
    it(`biasGelu ${JSON.stringify(x)} + ${JSON.stringify(b)} matches the cpu composite, forward and backward${fused ? '' : ' (composite: not a bias row)'}`, async () => {
      const args = randomArgs(new Rng(seed), [x, b]);
      const fn = (a: tf.Tensor, c: tf.Tensor): tf.Tensor => biasGelu(wide(a), c);
      const ref = await evaluateAsync('cpu', fn, args, seed + 100);
      const { got, calls, gradCalls } = await onWebGpu(fn, args, seed + 100, BIAS_GELU_KERNEL, BIAS_GELU_GRAD_KERNEL);
      seed++;
      expect([calls, gradCalls]).toEqual(fused ? [2, 1] : [0, 0]);
      expect(got.outShape).toEqual(ref.outShape);
      expect(maxRelDiff(got.out, ref.out)).toBeLessThanOrEqual(FWD_TOL);
      expect(maxRelDiff(got.grads[0]!, ref.grads[0]!)).toBeLessThanOrEqual(GRAD_TOL);
      // The bias gradient sums over the rows in another order: up to one rounding per row more.
      const rows = tf.util.sizeFromShape(x) / (x.at(-1) as number) || 0;
      expect(maxRelDiff(got.grads[1]!, ref.grads[1]!)).toBeLessThanOrEqual(GRAD_TOL + 8 * rows * EPS);
    });
  }

  it('leaks no tensors, forward and backward', async () => {
    await selectBackend('webgpu');
    // 300 rows: the bias gradient's partial sums are backend buffers of their own, freed by the kernel.
    const [x, b] = [tf.tensor(new Rng(5).normalArray(300 * 6), [300, 6]), tf.ones([6])];
    const before = tf.memory().numTensors;
    const buffersBefore = tf.backend().numDataIds();
    const out = tf.tidy(() => [gelu(x), biasGelu(x, b), ...tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.add(biasGelu(p, q), gelu(p)))([x, b])]);
    await Promise.all(out.map((t) => t.data()));
    tf.dispose(out);
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.backend().numDataIds()).toBe(buffersBefore);
    tf.dispose([x, b]);
  });
});
