/**
 * Pooling readouts: token features `[B, L, C]` → one vector per image.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertRank } from '@darl/tensor-backend';

/**
 * `mean`: average over tokens → `[B, C]`; `last`: the last token (for a causal backbone the only one that has seen
 * the whole image) → `[B, C]`; `concat`: all tokens concatenated in sequence order → `[B, L·C]`.
 */
export type Pooling = 'mean' | 'last' | 'concat';

/** All poolings, in the order the sweep reports them. */
export const POOLINGS: readonly Pooling[] = ['mean', 'last', 'concat'];

/** Width of the pooled vector for tokens `[B, L, C]`. */
export function pooledDim(pooling: Pooling, tokens: number, channels: number): number {
  return pooling === 'concat' ? tokens * channels : channels;
}

/**
 * Pools token features.
 *
 * @param tokens float32 [B, L, C]
 * @returns float32 [B, C] (`mean`, `last`) or [B, L·C] (`concat`); the caller owns it
 */
export function poolTokens(tokens: tf.Tensor3D, pooling: Pooling): tf.Tensor2D {
  assertRank('poolTokens', 'tokens', tokens.shape, 3);
  const [b, l, c] = tokens.shape;
  switch (pooling) {
    case 'mean':
      return tf.mean(tokens, 1);
    case 'last':
      return tf.tidy(() => tf.reshape(tf.slice(tokens, [0, l - 1, 0], [b, 1, c]), [b, c]));
    case 'concat':
      return tf.reshape(tokens, [b, l * c]);
    default:
      throw new Error(`poolTokens: unknown pooling "${String(pooling)}"; use one of ${POOLINGS.join(', ')}.`);
  }
}
