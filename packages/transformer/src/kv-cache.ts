/**
 * KV cache for incremental (autoregressive) decoding: per block, the keys and values (after RoPE) of every token fed
 * so far. `applyTransformer(…, { cache })` attends to them and appends the new tokens' keys and values, so feeding a
 * sequence in chunks (one token at a time or more) equals one full causal pass.
 *
 * The cache owns its tensors (grown with `tf.concat`, the previous ones disposed); free them with
 * {@link disposeKVCache}. It is for inference: gradients do not flow through cached keys and values.
 *
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';
import { headDim, type TransformerConfig } from './config.js';

/** Per-block cached keys and values, float32 `[B·H, T, dh]`, or null before the first token. */
export interface KVCacheLayer {
  /** Cached keys float32 `[B·H, T, dh]` (after RoPE), null before the first token. */
  keys: tf.Tensor3D | null;
  /** Cached values float32 `[B·H, T, dh]`, null before the first token. */
  values: tf.Tensor3D | null;
}

/** A KV cache for one batch of sequences. Mutated by `applyTransformer`; treat the fields as read-only. */
export interface KVCache {
  /** Sequences in the batch (`B`). */
  readonly batch: number;
  /** The config it was created for (checked on use). */
  readonly width: number;
  /** Attention heads `H` of that config. */
  readonly heads: number;
  /** Channels per head `dh = width / heads`. */
  readonly headDim: number;
  /** Tokens cached so far (`T`), the sequence index of the next token. */
  length: number;
  /** One entry per block. */
  readonly layers: KVCacheLayer[];
}

/** An empty cache for `batch` sequences of a model with `config` (no tensors are allocated until it is used). */
export function createKVCache(config: TransformerConfig, batch: number): KVCache {
  if (!Number.isInteger(batch) || batch <= 0) {
    throw new Error(`createKVCache: "batch" must be a positive integer, got ${String(batch)}.`);
  }
  return {
    batch,
    width: config.width,
    heads: config.heads,
    headDim: headDim(config),
    length: 0,
    layers: Array.from({ length: config.depth }, () => ({ keys: null, values: null })),
  };
}

/** Disposes the cache's tensors and resets it to empty (it can be used again). */
export function disposeKVCache(cache: KVCache): void {
  for (const layer of cache.layers) {
    layer.keys?.dispose();
    layer.values?.dispose();
    layer.keys = null;
    layer.values = null;
  }
  cache.length = 0;
}
