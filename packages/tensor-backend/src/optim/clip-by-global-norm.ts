/**
 * Global-norm gradient clipping (`torch.nn.utils.clip_grad_norm_` semantics).
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { sumSquares } from '../ops/sum-squares.js';

/**
 * Scales all gradients by one factor so that their global L2 norm (the norm of all their elements together) is at
 * most `maxNorm`: factor `min(1, maxNorm / (norm + 1e-6))`, as in PyTorch. Returns new tensors owned by the caller;
 * the input gradients are neither changed nor disposed. When the norm is not finite (NaN or ∞) the gradients are
 * returned unscaled, so the caller can see `norm` and skip the step.
 *
 * Reads one number back from the device (the norm), i.e. synchronises once.
 *
 * @param grads gradients keyed by path, any shapes (float32)
 * @param maxNorm the largest allowed global norm, > 0
 * @returns the clipped gradients (same keys and shapes) and the global norm before clipping
 */
export function clipByGlobalNorm(
  grads: Record<string, tf.Tensor>,
  maxNorm: number,
): { grads: Record<string, tf.Tensor>; norm: number } {
  if (!Number.isFinite(maxNorm) || maxNorm <= 0) {
    throw new Error(`clipByGlobalNorm: "maxNorm" must be a finite number > 0, got ${String(maxNorm)}.`);
  }
  const entries = Object.entries(grads);
  for (const [path, g] of entries) {
    if (g.dtype !== 'float32') {
      throw new Error(`clipByGlobalNorm: the gradient at "${path}" has dtype ${g.dtype}; gradients must be float32.`);
    }
  }
  if (entries.length === 0) return { grads: {}, norm: 0 };
  const squaredSums = sumSquares(entries.map(([, g]) => g));
  const partial = squaredSums.dataSync();
  squaredSums.dispose();
  let total = 0;
  for (const s of partial) total += s;
  const norm = Math.sqrt(total);
  const factor = Number.isFinite(norm) ? Math.min(1, maxNorm / (norm + 1e-6)) : 1;
  const out: Record<string, tf.Tensor> = {};
  for (const [path, g] of entries) out[path] = factor === 1 ? tf.clone(g) : tf.tidy(() => tf.mul(g, factor));
  return { grads: out, norm };
}
