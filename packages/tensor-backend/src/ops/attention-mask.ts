/**
 * The additive causal mask: 0 where a query may attend, −1e9 where it may not. Added to the attention scores before
 * the softmax on the composite attention path (a constant, so no `where` on trained tensors; −1e9 rather than −∞ so
 * that no NaN can appear, and large enough that its `exp` is exactly 0 in float32).
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';

/** Value added to the scores of masked (future) keys. */
export const MASKED_SCORE = -1e9;

const cache = new Map<string, Float32Array>();
const CACHE_LIMIT = 64;

/**
 * The mask for `queries` new tokens that follow `offset` cached ones: entry `[i, j]` is −1e9 when key `j` lies
 * after query `i` (`j > offset + i`), else 0. The values are computed once per (queries, offset) and memoised as a
 * plain array; the returned tensor belongs to the caller.
 *
 * @returns float32 `[queries, offset + queries]`
 */
export function causalMask(queries: number, offset = 0): tf.Tensor2D {
  const key = `${queries}:${offset}`;
  let values = cache.get(key);
  if (values === undefined) {
    const keys = offset + queries;
    values = new Float32Array(queries * keys);
    for (let i = 0; i < queries; i++) for (let j = offset + i + 1; j < keys; j++) values[i * keys + j] = MASKED_SCORE;
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(key, values);
  }
  return tf.tensor2d(values, [queries, offset + queries]);
}
