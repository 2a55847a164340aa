/**
 * Exact (erf) GELU, `gelu(z) = z · Φ(z) = z · ½ · (1 + erf(z / √2))`, optionally of `x + bias` (the MLP's
 * Linear → GELU). On a backend with the fused `DarlGelu`/`DarlBiasGelu` kernels (the native backend) each is one
 * kernel call forward and one backward (the bias gradient reduced in the same pass); everywhere else it is the
 * composite tfjs code (erf by tfjs's Abramowitz–Stegun 7.1.26 formula, |error| < 1.5e-7, on every backend).
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { hasKernel } from './has-kernel.js';

/** Fused GELU: input `x`; output `gelu(x)`. */
export const GELU_KERNEL = 'DarlGelu';
/** Its gradient: inputs `dy`, `x`; output `dx`. */
export const GELU_GRAD_KERNEL = 'DarlGeluGrad';
/** Fused bias + GELU: inputs `x [..., F]`, `bias [F]`; output `gelu(x + bias)`. */
export const BIAS_GELU_KERNEL = 'DarlBiasGelu';
/** Its gradient: inputs `dy`, `x`, `bias`; outputs `dx`, `dbias`. */
export const BIAS_GELU_GRAD_KERNEL = 'DarlBiasGeluGrad';

function compositeGelu(z: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(z, 0.5), tf.add(tf.erf(tf.mul(z, Math.SQRT1_2)), 1));
}

/**
 * Exact GELU, elementwise.
 *
 * @param x float32, any shape
 * @returns float32, same shape
 */
export function gelu<T extends tf.Tensor>(x: T): T {
  if (hasKernel(GELU_KERNEL) && x.dtype === 'float32') return tf.engine().runKernel(GELU_KERNEL, { x }) as T;
  return tf.tidy(() => compositeGelu(x)) as T;
}

/**
 * `gelu(x + bias)`, the bias broadcast over the leading axes; no shape checks (callers check).
 *
 * @param x float32 `[..., F]` (rank ≥ 1)
 * @param bias float32 `[F]`
 * @returns float32 `[..., F]`
 */
export function biasGelu<T extends tf.Tensor>(x: T, bias: tf.Tensor): T {
  const fused = hasKernel(BIAS_GELU_KERNEL) && x.rank >= 1 && bias.rank === 1 && bias.shape[0] === x.shape[x.rank - 1];
  // Anything else (other dtypes, other broadcasts) is the composite code, which defines the op's semantics.
  if (fused && x.dtype === 'float32' && bias.dtype === 'float32') return tf.engine().runKernel(BIAS_GELU_KERNEL, { x, bias }) as T;
  return tf.tidy(() => compositeGelu(tf.add(x, bias))) as T;
}

/** Gradients of the fused kernels (registered with them by `useBackend`). */
export const geluGradConfigs: tf.GradConfig[] = [
  {
    kernelName: GELU_KERNEL,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved as tf.Tensor[];
      return { x: () => tf.engine().runKernel(GELU_GRAD_KERNEL, { dy: (Array.isArray(dy) ? dy[0] : dy)!, x: x! }) as tf.Tensor };
    },
  },
  {
    kernelName: BIAS_GELU_KERNEL,
    inputsToSave: ['x', 'bias'],
    gradFunc: (dy, saved) => {
      const [x, bias] = saved as tf.Tensor[];
      const [dx, dbias] = tf.engine().runKernel(BIAS_GELU_GRAD_KERNEL, { dy: (Array.isArray(dy) ? dy[0] : dy)!, x: x!, bias: bias! }) as tf.Tensor[];
      return { x: () => dx!, bias: () => dbias! };
    },
  },
];
