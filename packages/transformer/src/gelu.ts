/**
 * GELU activation, the exact form `x · Φ(x) = x · ½ · (1 + erf(x / √2))` (PyTorch's default `nn.GELU()`), not the
 * tanh approximation: tfjs has an `Erf` kernel with a gradient on every backend, and `tanh`/`pow` are slow on wasm.
 * (tfjs evaluates erf with the Abramowitz–Stegun 7.1.26 formula, |error| < 1.5e-7.) The op itself is
 * `@darl/tensor-backend`'s (one fused kernel each way on the native backend).
 *
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';
import { gelu as geluOp } from '@darl/tensor-backend';

/**
 * Exact (erf) GELU, elementwise.
 *
 * @param x float32, any shape
 * @returns float32, same shape (owned by the caller)
 */
export function gelu<T extends tf.Tensor>(x: T): T {
  return geluOp(x);
}
