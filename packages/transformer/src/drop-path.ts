/**
 * Stochastic depth ("drop path", Huang et al. 2016, as timm): at training time each sequence's residual branch is
 * dropped with probability `rate` and kept ones are scaled by `1 / (1 − rate)`; at evaluation it is the identity.
 * The keep/drop decisions come from an {@link Rng} and enter as a constant `[B, 1, 1]` multiplier (no `where`).
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@darl/tensor-backend';

/** Drop rate of block `index` of `depth` for a model rate `rate`: `rate · index / (depth − 1)` (timm's linear rule). */
export function dropPathRate(rate: number, index: number, depth: number): number {
  return depth <= 1 ? rate : (rate * index) / (depth - 1);
}

/**
 * Drops whole sequences of a residual branch.
 *
 * @param x float32 `[B, L, D]`, a residual branch
 * @param rate probability of dropping, in [0, 1)
 * @param rng source of the decisions; omitted or `rate = 0` → `x` unchanged
 * @returns float32 `[B, L, D]` (owned by the caller)
 */
export function dropPath<T extends tf.Tensor>(x: T, rate: number, rng?: Rng): T {
  if (!rng || rate <= 0) return tf.clone(x);
  if (!(rate < 1)) throw new Error(`dropPath: rate must be in [0, 1), got ${rate}.`);
  const B = x.shape[0]!;
  const keep = new Float32Array(B);
  for (let b = 0; b < B; b++) keep[b] = rng.next() < rate ? 0 : 1 / (1 - rate);
  return tf.tidy(() => tf.mul(x, tf.tensor(keep, [B, ...new Array<number>(x.rank - 1).fill(1)])) as T);
}
