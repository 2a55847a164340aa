/**
 * The Transformer MLP: Linear `D → F`, exact GELU, Linear `F → D`, both as 2-D matmuls on `[B·L, ·]` (the first
 * bias add and the GELU are one op, fused on the native backend).
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertShape, biasGelu, Rng, toVariable } from '@darl/tensor-backend';
import { mlpWidth, type TransformerConfig } from './config.js';
import { initWeight } from './init.js';
import { linear2d } from './linear.js';

/** MLP parameters: `w1 float32 [D, F]`, `b1 [F]`, `w2 [F, D]`, `b2 [D]`. */
export type MlpParams<T extends tf.Tensor = tf.Variable> = {
  /** First layer weight float32 `[D, M]` (M = D · mlpRatio). */
  readonly w1: T;
  /** First layer bias float32 `[M]`. */
  readonly b1: T;
  /** Second layer weight float32 `[M, D]`. */
  readonly w2: T;
  /** Second layer bias float32 `[D]`. */
  readonly b2: T;
}

/** Creates MLP variables: weights by `config.init`, biases 0. */
export function initMlp(config: TransformerConfig, opts: { seed: number | Rng }): MlpParams {
  const rng = typeof opts.seed === 'number' ? new Rng(opts.seed) : opts.seed;
  const D = config.width;
  const F = mlpWidth(config);
  return {
    w1: toVariable(initWeight(D, F, config.init, rng)),
    b1: toVariable(tf.zeros([F])),
    w2: toVariable(initWeight(F, D, config.init, rng)),
    b2: toVariable(tf.zeros([D])),
  };
}

/** Internal MLP on `[N, D]` rows; no shape checks. The first bias is added inside the (fused) GELU. */
export function mlp2d(params: MlpParams<tf.Tensor>, x: tf.Tensor2D): tf.Tensor2D {
  return linear2d(biasGelu(tf.matMul(x, params.w1 as tf.Tensor2D), params.b1), params.w2, params.b2);
}

/**
 * Applies the MLP to every token.
 *
 * @param x float32 `[B, L, D]`
 * @returns float32 `[B, L, D]` (owned by the caller)
 */
export function applyMlp(params: MlpParams<tf.Tensor>, config: TransformerConfig, x: tf.Tensor3D): tf.Tensor3D {
  const D = config.width;
  const F = mlpWidth(config);
  assertShape('applyMlp', 'x', x.shape, ['B', 'L', D]);
  assertShape('applyMlp', 'params.w1', params.w1.shape, [D, F]);
  assertShape('applyMlp', 'params.w2', params.w2.shape, [F, D]);
  return tf.tidy(() => tf.reshape(mlp2d(params, tf.reshape(x, [-1, D])), x.shape) as tf.Tensor3D);
}
