/**
 * `Σ x²` of each of many tensors as one op (global-norm gradient clipping): on a backend with the fused
 * `DarlSumSquares` kernel one kernel call (native: accumulating in float64; webgpu: in float32, up to 7 tensors
 * per dispatch); everywhere else `tf.stack` of per-tensor `tf.sum(tf.square(x))`.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { hasKernel } from './has-kernel.js';

/** Fused sum of squares: inputs `x0, x1, …` (float32), attr `count`; output float32 `[count]`. */
export const SUM_SQUARES_KERNEL = 'DarlSumSquares';

/**
 * @param xs float32 tensors, any shapes (at least one)
 * @returns float32 `[xs.length]`: entry i is the sum of the squares of `xs[i]`'s elements
 */
export function sumSquares(xs: readonly tf.Tensor[]): tf.Tensor1D {
  if (hasKernel(SUM_SQUARES_KERNEL) && xs.every((x) => x.dtype === 'float32')) {
    const inputs: tf.NamedTensorMap = {};
    xs.forEach((x, i) => {
      inputs[`x${i}`] = x;
    });
    return tf.engine().runKernel(SUM_SQUARES_KERNEL, inputs, { count: xs.length }) as tf.Tensor1D;
  }
  return tf.tidy(() => tf.stack(xs.map((x) => tf.sum(tf.square(x)))) as tf.Tensor1D);
}
