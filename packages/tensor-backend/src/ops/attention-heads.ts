/**
 * Head split and merge of multi-head attention as composite tfjs ops (what the fused attention kernels do through
 * strides): a fused projection `[B, L, 3·H·dh]` (per token `[q | k | v]`, each `[H, dh]` head-major) into per-head
 * queries, keys and values `[B·H, L, dh]`, and per-head outputs back to `[B, L, H·dh]`.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../shapes.js';
import { rotate, type RotaryTables } from './attention-rope.js';

/** `dh` of a fused projection whose last axis is `D3 = 3 · heads · dh`; throws a ShapeError naming `where` otherwise. */
export function projectionHeadDim(where: string, D3: number, heads: number): number {
  if (!Number.isInteger(heads) || heads < 1 || D3 % (3 * heads) !== 0) {
    throw new ShapeError(`${where}: the projection's last axis (${D3}) must be 3 · heads · dh for heads=${heads}; pass the heads the projection was made for.`);
  }
  return D3 / (3 * heads);
}

/**
 * Splits a fused projection into heads, rotating queries and keys by `rope` when given. No shape checks.
 *
 * @param qkv float32 `[B, L, 3·H·dh]`
 * @returns `q`, `k`, `v` float32 `[B·H, L, dh]`
 */
export function splitHeads(qkv: tf.Tensor3D, heads: number, rope?: RotaryTables): {
  /** Queries float32 `[B·H, L, dh]`, rotated when `rope` is given. */
  q: tf.Tensor3D;
  /** Keys float32 `[B·H, L, dh]`, rotated when `rope` is given. */
  k: tf.Tensor3D;
  /** Values float32 `[B·H, L, dh]`. */
  v: tf.Tensor3D;
} {
  const [B, L, D3] = qkv.shape;
  const H = heads;
  const dh = D3 / (3 * H);
  const all = tf.reshape(tf.transpose(tf.reshape(qkv, [B, L, 3, H, dh]), [2, 0, 3, 1, 4]), [3, B * H, L, dh]);
  let qk = tf.slice(all, [0, 0, 0, 0], [2, B * H, L, dh]); // [2, B·H, L, dh]
  const v = tf.reshape(tf.slice(all, [2, 0, 0, 0], [1, B * H, L, dh]), [B * H, L, dh]) as tf.Tensor3D;
  if (rope) qk = rotate(qk, rope);
  const q = tf.reshape(tf.slice(qk, [0, 0, 0, 0], [1, B * H, L, dh]), [B * H, L, dh]) as tf.Tensor3D;
  const k = tf.reshape(tf.slice(qk, [1, 0, 0, 0], [1, B * H, L, dh]), [B * H, L, dh]) as tf.Tensor3D;
  return { q, k, v };
}

/**
 * Merges per-head outputs. No shape checks.
 *
 * @param x float32 `[B·H, L, dh]`
 * @returns float32 `[B, L, H·dh]`
 */
export function mergeHeads(x: tf.Tensor3D, heads: number): tf.Tensor3D {
  const [BH, L, dh] = x.shape;
  const B = BH / heads;
  return tf.reshape(tf.transpose(tf.reshape(x, [B, heads, L, dh]), [0, 2, 1, 3]), [B, L, heads * dh]) as tf.Tensor3D;
}
