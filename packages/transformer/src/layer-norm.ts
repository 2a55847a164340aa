/**
 * LayerNorm over the last axis: `y = (x − mean) / √(var + eps) · gamma + beta` (biased variance, as PyTorch).
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertShape, layerNorm as layerNormOp, toVariable } from '@darl/tensor-backend';

/** LayerNorm parameters: `gamma float32 [D]` (init 1), `beta float32 [D]` (init 0). */
export type LayerNormParams<T extends tf.Tensor = tf.Variable> = {
  /** Scale float32 `[D]`, starts at 1. */
  readonly gamma: T;
  /** Shift float32 `[D]`, starts at 0. */
  readonly beta: T;
}

/** Creates LayerNorm variables for width `width`: gamma 1, beta 0. */
export function initLayerNorm(width: number): LayerNormParams {
  return { gamma: toVariable(tf.ones([width])), beta: toVariable(tf.zeros([width])) };
}

/**
 * Internal LayerNorm without shape checks: `@darl/tensor-backend`'s op (one fused kernel each way on the native
 * backend, the composite tfjs code elsewhere).
 */
export const layerNorm: (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number) => tf.Tensor = layerNormOp;

/**
 * Normalises the last axis of `x`.
 *
 * @param x float32 `[..., D]`
 * @param eps added to the variance (default 1e-6)
 * @returns float32 `[..., D]` (owned by the caller)
 */
export function applyLayerNorm(params: LayerNormParams<tf.Tensor>, x: tf.Tensor, eps = 1e-6): tf.Tensor {
  const dims = assertShape('applyLayerNorm', 'params.gamma', params.gamma.shape, ['D']);
  assertShape('applyLayerNorm', 'params.beta', params.beta.shape, ['D'], dims);
  assertShape('applyLayerNorm', 'x', x.shape, [...new Array<null>(Math.max(0, x.rank - 1)).fill(null), 'D'], dims);
  return tf.tidy(() => layerNorm(x, params.gamma, params.beta, eps));
}
