/**
 * GELU activation, the exact form `x · Φ(x) = x · ½ · (1 + erf(x / √2))` (PyTorch's default `nn.GELU()`), not the
 * tanh approximation: tfjs has an `Erf` kernel with a gradient on every backend, and `tanh`/`pow` are slow on wasm.
 * (tfjs evaluates erf with the Abramowitz–Stegun 7.1.26 formula, |error| < 1.5e-7.)
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Exact (erf) GELU, elementwise.
 *
 * @param x float32, any shape
 * @returns float32, same shape (owned by the caller)
 */
export function gelu<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)) as T);
}
