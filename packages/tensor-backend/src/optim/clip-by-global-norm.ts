/**
 * Global-norm gradient clipping (`torch.nn.utils.clip_grad_norm_` semantics), in two halves so that a training loop
 * can read the norm together with its other per-step numbers (one synchronisation per step on a GPU backend):
 * {@link gradientSquares} puts `Σ g²` of every gradient in one tensor, {@link clipGradients} scales the gradients
 * once those sums are read. {@link clipByGlobalNorm} does both, reading the sums itself.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { sumSquares } from '../ops/sum-squares.js';

function checkMaxNorm(where: string, maxNorm: number): void {
  if (!Number.isFinite(maxNorm) || maxNorm <= 0) {
    throw new Error(`${where}: "maxNorm" must be a finite number > 0, got ${String(maxNorm)}.`);
  }
}

/**
 * `Σ g²` of each gradient, in the order of `Object.values(grads)`, as one tensor to read (with `await data()`, with
 * whatever else the step reads) and pass to {@link clipGradients}.
 *
 * @param grads gradients keyed by path, any shapes, float32, at least one
 * @returns float32 `[number of gradients]`, owned by the caller
 */
export function gradientSquares(grads: Record<string, tf.Tensor>): tf.Tensor1D {
  const entries = Object.entries(grads);
  if (entries.length === 0) throw new Error('gradientSquares: give at least one gradient.');
  for (const [path, g] of entries) {
    if (g.dtype !== 'float32') {
      throw new Error(`gradientSquares: the gradient at "${path}" has dtype ${g.dtype}; gradients must be float32.`);
    }
  }
  return sumSquares(entries.map(([, g]) => g));
}

/**
 * Scales all gradients by one factor so that their global L2 norm is at most `maxNorm`: factor
 * `min(1, maxNorm / (norm + 1e-6))`, as in PyTorch, with `norm = √(Σ squares)` summed in float64 in order. Returns new
 * tensors owned by the caller; the input gradients are neither changed nor disposed. When the norm is not finite (NaN
 * or ∞) the gradients are returned unscaled, so the caller can see `norm` and skip the step. Reads nothing from the
 * device.
 *
 * @param grads gradients keyed by path (float32)
 * @param squares the values of {@link gradientSquares}`(grads)`
 * @param maxNorm the largest allowed global norm, > 0
 * @returns the clipped gradients (same keys and shapes) and the global norm before clipping
 */
export function clipGradients(
  grads: Record<string, tf.Tensor>,
  squares: ArrayLike<number>,
  maxNorm: number,
): {
  /** The gradients, scaled so their global norm is at most `maxNorm` (same keys and shapes). */
  grads: Record<string, tf.Tensor>;
  /** The global L2 norm of the gradients before clipping. */
  norm: number;
} {
  checkMaxNorm('clipGradients', maxNorm);
  const entries = Object.entries(grads);
  if (squares.length !== entries.length) {
    throw new Error(`clipGradients: ${entries.length} gradients but ${squares.length} sums of squares.`);
  }
  let total = 0;
  for (let i = 0; i < squares.length; i++) total += squares[i]!;
  const norm = Math.sqrt(total);
  const factor = Number.isFinite(norm) ? Math.min(1, maxNorm / (norm + 1e-6)) : 1;
  const out: Record<string, tf.Tensor> = {};
  for (const [path, g] of entries) out[path] = factor === 1 ? tf.clone(g) : tf.tidy(() => tf.mul(g, factor));
  return { grads: out, norm };
}

/**
 * Global-norm clipping in one call: {@link gradientSquares}, one `await data()` (the only synchronisation), then
 * {@link clipGradients}. A training loop that reads other numbers each step (the loss) should call the two halves
 * itself and read everything at once.
 *
 * @param grads gradients keyed by path, any shapes (float32)
 * @param maxNorm the largest allowed global norm, > 0
 * @returns the clipped gradients (new tensors, owned by the caller) and the global norm before clipping
 */
export async function clipByGlobalNorm(
  grads: Record<string, tf.Tensor>,
  maxNorm: number,
): Promise<{
  /** The gradients, scaled so their global norm is at most `maxNorm` (same keys and shapes). */
  grads: Record<string, tf.Tensor>;
  /** The global L2 norm of the gradients before clipping. */
  norm: number;
}> {
  checkMaxNorm('clipByGlobalNorm', maxNorm);
  if (Object.keys(grads).length === 0) return { grads: {}, norm: 0 };
  const squared = gradientSquares(grads);
  let squares: tf.TypedArray;
  try {
    squares = await squared.data();
  } finally {
    squared.dispose();
  }
  return clipGradients(grads, squares, maxNorm);
}
