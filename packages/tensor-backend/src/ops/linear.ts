/**
 * A Linear layer's product and bias as one op: `y = x · w + b`. On a backend with the fused `DarlLinear` kernel (the
 * native backend) that is one kernel call forward (the GEMM, then the bias added in place) and three backward
 * (`dx = dy · wᵀ`, `dw = xᵀ · dy`, `db = Σ_rows dy`) instead of two and five; everywhere else it is
 * `tf.add(tf.matMul(x, w), b)`, with the same numbers.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { hasKernel } from './has-kernel.js';

/** Fused Linear: inputs `x [N, in]`, `w [in, out]`, `b [out]`; output `[N, out]`. */
export const LINEAR_KERNEL = 'DarlLinear';

/**
 * `x · w + b`; no shape checks (callers check).
 *
 * @param x float32 `[N, in]`
 * @param w float32 `[in, out]`
 * @param b float32 `[out]`
 * @returns float32 `[N, out]`
 */
export function linear(x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  const fused = hasKernel(LINEAR_KERNEL) && x.rank === 2 && w.rank === 2 && b.rank === 1 && w.shape[0] === x.shape[1] && b.shape[0] === w.shape[1];
  // Anything else (other dtypes, other broadcasts, mismatched shapes) is the composite code and its errors.
  if (fused && [x, w, b].every((t) => t.dtype === 'float32')) {
    return tf.engine().runKernel(LINEAR_KERNEL, { x, w, b }) as tf.Tensor2D;
  }
  return tf.tidy(() => tf.add(tf.matMul(x, w as tf.Tensor2D), b));
}

/** The fused kernel's gradient (registered with the kernel by `useBackend`). */
export const linearGradConfig: tf.GradConfig = {
  kernelName: LINEAR_KERNEL,
  inputsToSave: ['x', 'w'],
  gradFunc: (dy, saved) => {
    const [x, w] = saved as tf.Tensor2D[];
    const g = (Array.isArray(dy) ? dy[0] : dy) as tf.Tensor2D;
    return { x: () => tf.matMul(g, w!, false, true), w: () => tf.matMul(x!, g, true, false), b: () => tf.sum(g, 0) };
  },
};
