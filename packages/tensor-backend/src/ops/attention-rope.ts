/**
 * Rotary position embedding (RoPE) as attention applies it, "rotate-half" pairing: a head's `dh` channels form
 * `sections` sections; in a section of `m` channels, channel `j` and `j + m/2` are rotated together,
 * `x' = x ⊙ cos + swap(x) ⊙ sin±`, where `swap` exchanges the two halves of each section and `sin±` is the sine with
 * the sign of each section's first half negated. `@darl/transformer` builds the tables from token positions; the
 * fused attention kernels apply the same rotation to q and k as they read them.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * RoPE constants of one call: `cos`, `sin` float32 `[L, dh]`, and `swap` float32 `[dh, dh]`, the permutation
 * matrix exchanging the halves of each section; `sections` 1 (1-D) or 2 (2-D).
 */
export interface RotaryTables {
  /** Cosine table float32 `[L, dh]`. */
  readonly cos: tf.Tensor2D;
  /** Sine table with the sign of each section's first half negated (`[−sin, +sin]` per section). */
  readonly sin: tf.Tensor2D;
  /** Permutation matrix float32 `[dh, dh]` that exchanges the two halves of each section. */
  readonly swap: tf.Tensor2D;
  /** Sections per head: 1 for 1-D RoPE over the sequence index, 2 for 2-D RoPE over patch rows and columns. */
  readonly sections: 1 | 2;
}

/**
 * The rotation as composite tfjs ops (wasm-friendly: the swap is one plain 2-D matmul with the permutation matrix,
 * exact in float32; no split, strided slice, gather or reverse). No shape checks.
 *
 * @param x float32 `[..., L, dh]`
 * @returns float32 `[..., L, dh]`
 */
export function rotate(x: tf.Tensor, tables: RotaryTables): tf.Tensor {
  const dh = tables.cos.shape[1];
  const swapped = tf.reshape(tf.matMul(tf.reshape(x, [-1, dh]) as tf.Tensor2D, tables.swap), x.shape);
  return tf.add(tf.mul(x, tables.cos), tf.mul(swapped, tables.sin));
}
