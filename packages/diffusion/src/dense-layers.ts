/**
 * The few dense building blocks the patch decoders add to `@darl/transformer`'s Linear and LayerNorm: LayerNorm
 * without affine parameters, SiLU, adaLN's `modulate` and column blocks.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { layerNorm } from '@darl/tensor-backend';

/**
 * LayerNorm over the last axis of x [N, W] without affine parameters (adaLN's final norm, LN₀): the LayerNorm op
 * (fused on the native backend) with gain 1 and shift 0, which change no value.
 */
export function plainLayerNorm(x: tf.Tensor2D, eps: number): tf.Tensor2D {
  return tf.tidy(() => {
    const W = x.shape[1];
    return layerNorm(x, tf.ones([W]), tf.zeros([W]), eps) as tf.Tensor2D;
  });
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
