/**
 * The few dense building blocks the patch decoders use: linear layers (plain 2-D matmuls, the fast path on wasm),
 * LayerNorm over the last axis, SiLU, and adaLN's `modulate`.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@darl/tensor-backend';

/** A linear layer's parameters: `w` [in, out], `b` [out]. */
export type LinearParams = {
  readonly w: tf.Variable;
  readonly b: tf.Variable;
};

/** An affine LayerNorm's parameters: `gamma`, `beta` [width]. */
export type LayerNormParams = {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
};

/** How a linear layer's weight starts. Biases always start at zero. */
export type LinearInit = 'xavier' | 'zero' | { readonly normalStd: number };

/** A linear layer `[in] → [out]`: Xavier-uniform (`±√(6/(in+out))`), all-zero, or N(0, std²) weights. */
export function initLinear(rng: Rng, inDim: number, outDim: number, init: LinearInit = 'xavier'): LinearParams {
  return tf.tidy(() => {
    let w: tf.Tensor;
    if (init === 'zero') w = tf.zeros([inDim, outDim]);
    else if (init === 'xavier') {
      const lim = Math.sqrt(6 / (inDim + outDim));
      w = rng.uniform([inDim, outDim], -lim, lim);
    } else w = rng.normal([inDim, outDim], { std: init.normalStd });
    return { w: tf.variable(w), b: tf.variable(tf.zeros([outDim])) };
  });
}

/** `x @ w + b`: x float32 [N, in] → [N, out]. */
export function applyLinear(p: LinearParams, x: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.matMul(x, p.w), p.b);
}

/** A LayerNorm with scale 1 and shift 0. */
export function initLayerNorm(width: number): LayerNormParams {
  return tf.tidy(() => ({ gamma: tf.variable(tf.ones([width])), beta: tf.variable(tf.zeros([width])) }));
}

/** LayerNorm over the last axis of x [N, W], with optional affine parameters. */
export function applyLayerNorm(x: tf.Tensor2D, eps: number, p?: LayerNormParams): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, 1, true);
  const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))) as tf.Tensor2D;
  return p ? (tf.add(tf.mul(normed, p.gamma), p.beta) as tf.Tensor2D) : normed;
}

/** SiLU (swish): `x · sigmoid(x)`. */
export function silu<T extends tf.Tensor>(x: T): T {
  return tf.mul(x, tf.sigmoid(x));
}

/** adaLN modulation `x · (1 + scale) + shift` (all [N, W]). */
export function modulate(x: tf.Tensor2D, shift: tf.Tensor2D, scale: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.mul(x, tf.add(scale, 1)), shift);
}

/** Column block `i` of width `w` of m [N, k·w]: `m[:, i·w : (i+1)·w]` (a plain slice, which has a gradient). */
export function columnBlock(m: tf.Tensor2D, i: number, w: number): tf.Tensor2D {
  return tf.slice(m, [0, i * w], [m.shape[0], w]);
}
