/**
 * LayerNorm over the last axis as one op: `y = (x − mean) / √(var + eps) · gamma + beta` (biased variance, as
 * PyTorch). On a backend with the fused `DarlLayerNorm` kernel (the native backend) it is one kernel call forward
 * and one backward; everywhere else it is the composite tfjs code, with the same numbers to fp32 rounding.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { hasKernel } from './has-kernel.js';

/** Fused LayerNorm: inputs `x [..., D]`, `gamma [D]`, `beta [D]`; attr `eps`; outputs `y`, `mean [rows]`, `rstd [rows]`. */
export const LAYER_NORM_KERNEL = 'DarlLayerNorm';
/** Its gradient: inputs `dy`, `x`, `gamma`, `mean`, `rstd`; outputs `dx`, `dgamma`, `dbeta`. */
export const LAYER_NORM_GRAD_KERNEL = 'DarlLayerNormGrad';

/** Attributes of both kernels. */
export interface LayerNormAttrs {
  readonly eps: number;
}

/** The composite tfjs LayerNorm (what every backend without the fused kernel runs). */
function compositeLayerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const axis = x.rank - 1;
    const centred = tf.sub(x, tf.mean(x, axis, true));
    const variance = tf.mean(tf.square(centred), axis, true);
    return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, eps))), gamma), beta);
  });
}

/**
 * LayerNorm of the last axis; no shape checks (callers check).
 *
 * @param x float32 `[..., D]` (rank ≥ 1)
 * @param gamma float32 `[D]`
 * @param beta float32 `[D]`
 * @param eps added to the variance
 * @returns float32 `[..., D]`
 */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  const D = x.shape[x.rank - 1];
  const fused =
    hasKernel(LAYER_NORM_KERNEL) &&
    x.rank > 0 &&
    [gamma, beta].every((t) => t.rank === 1 && t.shape[0] === D) &&
    [x, gamma, beta].every((t) => t.dtype === 'float32');
  // Anything else (other dtypes, broadcasting gamma/beta) is the composite code, which defines the op's semantics.
  if (!fused) return compositeLayerNorm(x, gamma, beta, eps);
  const attrs: LayerNormAttrs = { eps };
  const [y, mean, rstd] = tf.engine().runKernel(LAYER_NORM_KERNEL, { x, gamma, beta }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  tf.dispose([mean!, rstd!]);
  return y!;
}

/** The fused kernel's gradient (registered with the kernel by `useBackend`). */
export const layerNormGradConfig: tf.GradConfig = {
  kernelName: LAYER_NORM_KERNEL,
  inputsToSave: ['x', 'gamma'],
  outputsToSave: [false, true, true],
  gradFunc: (dy, saved, attrs) => {
    const [x, gamma, mean, rstd] = saved as tf.Tensor[];
    const [dx, dgamma, dbeta] = tf.engine().runKernel(
      LAYER_NORM_GRAD_KERNEL,
      { dy: (Array.isArray(dy) ? dy[0] : dy)!, x: x!, gamma: gamma!, mean: mean!, rstd: rstd! },
      attrs,
    ) as tf.Tensor[];
    return { x: () => dx!, gamma: () => dgamma!, beta: () => dbeta! };
  },
};
