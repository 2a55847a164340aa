/**
 * Weight initialisers shared by the layers of this package.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@darl/tensor-backend';
import type { TransformerInit } from './config.js';

/** Standard deviation of the truncated-normal initialiser (ViT / MAE / timm). */
export const TRUNC_NORMAL_STD = 0.02;

/**
 * A `[fanIn, fanOut]` weight matrix: `trunc-normal` draws N(0, 0.02²) truncated at ±2σ; `xavier` draws
 * U(−a, a) with `a = √(6 / (fanIn + fanOut))` (PyTorch's `xavier_uniform_`, as MAE applies it to every Linear,
 * the fused qkv projection counted as one `[D, 3D]` matrix).
 */
export function initWeight(fanIn: number, fanOut: number, init: TransformerInit, rng: Rng): tf.Tensor2D {
  if (init === 'xavier') {
    const a = Math.sqrt(6 / (fanIn + fanOut));
    return rng.uniform([fanIn, fanOut], -a, a) as tf.Tensor2D;
  }
  return rng.truncatedNormal([fanIn, fanOut], { std: TRUNC_NORMAL_STD }) as tf.Tensor2D;
}

