/**
 * Multi-head self-attention with a fused qkv projection, optional RoPE, a causal or full pattern chosen per call,
 * and past keys/values for incremental decoding.
 *
 * Every projection is a plain 2-D matmul on `[B·L, D]`. The attention proper (head split, RoPE, scores, causal mask,
 * softmax, weighted sum of the values, head merge) is one `@darl/tensor-backend` op: `qkvAttention` on the fused
 * projection without a cache; with one, `kvCacheAttentionLayer` (projections included; it also returns the grown
 * cache). Each is one fused kernel on the native backend and the composite tfjs ops elsewhere. A caller-supplied
 * additive `mask` takes the composite path.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertShape, fusedAttention, kvCacheAttentionLayer, mergeHeads, qkvAttention, Rng, splitHeads, toVariable } from '@darl/tensor-backend';
import { headDim, type TransformerConfig } from './config.js';
import { initWeight } from './init.js';
import { linear2d } from './linear.js';
import type { RopeTables } from './rope.js';

/**
 * Attention parameters: `wqkv float32 [D, 3D]` (output channels `[q | k | v]`, each `[H, dh]` head-major),
 * `bqkv [3D]`, `wo [D, D]`, `bo [D]`.
 */
export type AttentionParams<T extends tf.Tensor = tf.Variable> = {
  /** Fused query/key/value projection float32 `[D, 3D]`, output channels `[q | k | v]`. */
  readonly wqkv: T;
  /** Bias of the fused projection float32 `[3D]`. */
  readonly bqkv: T;
  /** Output projection float32 `[D, D]`. */
  readonly wo: T;
  /** Bias of the output projection float32 `[D]`. */
  readonly bo: T;
}

/** `causal`: token `t` sees tokens `≤ t` (pretraining, generation); `full`: every token sees every token. */
export type AttentionMode = 'causal' | 'full';

/** Keys and values of earlier tokens, after RoPE: float32 `[B·H, T, dh]` each. */
export interface PastKeyValues {
  /** Keys of the earlier tokens float32 `[B·H, T, dh]`, already rotated. */
  readonly keys: tf.Tensor3D;
  /** Values of the earlier tokens float32 `[B·H, T, dh]`. */
  readonly values: tf.Tensor3D;
}

/** Creates attention variables: weights by `config.init`, biases 0. */
export function initAttention(config: TransformerConfig, opts: { seed: number | Rng }): AttentionParams {
  const rng = typeof opts.seed === 'number' ? new Rng(opts.seed) : opts.seed;
  const D = config.width;
  return {
    wqkv: toVariable(initWeight(D, 3 * D, config.init, rng)),
    bqkv: toVariable(tf.zeros([3 * D])),
    wo: toVariable(initWeight(D, D, config.init, rng)),
    bo: toVariable(tf.zeros([D])),
  };
}

/** Options of one attention call. */
export interface AttentionOptions {
  /** `causal` (default) or `full`: which tokens each token attends to. */
  readonly attention?: AttentionMode;
  /** RoPE tables for the `L` new tokens (`[L, dh]`); omit for no rotary encoding. */
  readonly rope?: RopeTables;
  /** Cached keys/values of the `T` previous tokens; the new tokens attend to them (causal only). */
  readonly past?: PastKeyValues;
  /** An additive mask `[L, T + L]` added to the scores instead of the pattern `attention` names (composite path). */
  readonly mask?: tf.Tensor2D;
  /** Return this call's keys and values `[B·H, T + L, dh]` (after RoPE), for a KV cache. */
  readonly returnKeyValues?: boolean;
}

/** Internal attention without shape checks; call inside `tf.tidy`. `keys`/`values` only with `returnKeyValues`. */
export function attend(
  params: AttentionParams<tf.Tensor>,
  config: TransformerConfig,
  x: tf.Tensor3D,
  opts: AttentionOptions,
): { output: tf.Tensor3D; keys?: tf.Tensor3D; values?: tf.Tensor3D } {
  const [B, L, D] = x.shape;
  const H = config.heads;
  const causal = (opts.attention ?? 'causal') === 'causal';
  const rope = opts.rope ? { rope: opts.rope } : {};
  if ((opts.past || opts.returnKeyValues) && causal && !opts.mask) {
    // Incremental decoding: the whole layer (projections included) attends to the cache and returns it grown.
    const r = kvCacheAttentionLayer(x, params, { heads: H, ...(opts.past ? { past: opts.past } : {}), ...rope });
    return { output: r.output, keys: r.keys, values: r.values };
  }
  const qkv = tf.reshape(linear2d(tf.reshape(x, [B * L, D]) as tf.Tensor2D, params.wqkv, params.bqkv), [B, L, 3 * D]) as tf.Tensor3D;
  const project = (merged: tf.Tensor): tf.Tensor3D =>
    tf.reshape(linear2d(tf.reshape(merged, [B * L, D]) as tf.Tensor2D, params.wo, params.bo), [B, L, D]) as tf.Tensor3D;
  if (opts.mask || opts.past || opts.returnKeyValues) {
    // A caller's additive mask (added to the scores), or keys/values wanted with full attention: composite heads.
    const { q, k: kNew, v: vNew } = splitHeads(qkv, H, opts.rope);
    const k = opts.past ? (tf.concat([opts.past.keys, kNew], 1) as tf.Tensor3D) : kNew;
    const v = opts.past ? (tf.concat([opts.past.values, vNew], 1) as tf.Tensor3D) : vNew;
    const scale = 1 / Math.sqrt(headDim(config));
    const weighted = opts.mask // [B·H, L, dh]
      ? (tf.matMul(tf.softmax(tf.add(tf.matMul(tf.mul(q, scale), k, false, true), opts.mask)), v) as tf.Tensor3D)
      : fusedAttention(q, k, v, { scale, causal });
    return { output: project(mergeHeads(weighted, H)), keys: k, values: v };
  }
  // Self-attention of the L tokens alone: one op from the projection to the merged heads.
  return { output: project(qkvAttention(qkv, { heads: H, causal, ...rope })) };
}

/**
 * Multi-head self-attention.
 *
 * @param x float32 `[B, L, D]`
 * @returns float32 `[B, L, D]` (owned by the caller)
 */
export function applyAttention(
  params: AttentionParams<tf.Tensor>,
  config: TransformerConfig,
  x: tf.Tensor3D,
  opts: AttentionOptions = {},
): tf.Tensor3D {
  const where = 'applyAttention';
  const dims = assertShape(where, 'x', x.shape, ['B', 'L', config.width]);
  const D = config.width;
  assertShape(where, 'params.wqkv', params.wqkv.shape, [D, 3 * D]);
  assertShape(where, 'params.bqkv', params.bqkv.shape, [3 * D]);
  assertShape(where, 'params.wo', params.wo.shape, [D, D]);
  assertShape(where, 'params.bo', params.bo.shape, [D]);
  const dh = headDim(config);
  if (opts.rope) assertShape(where, 'rope.cos', opts.rope.cos.shape, [dims.L!, dh]);
  if (opts.past) {
    if (opts.attention === 'full') {
      throw new Error(`${where}: past keys/values need causal attention (new tokens attend to the cache and to earlier new tokens); got attention "full".`);
    }
    const pd = { BH: dims.B! * config.heads };
    assertShape(where, 'past.keys', opts.past.keys.shape, ['BH', 'T', dh], pd);
    assertShape(where, 'past.values', opts.past.values.shape, ['BH', 'T', dh], pd);
  }
  return tf.tidy(() => attend(params, config, x, opts).output);
}
