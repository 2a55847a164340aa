/**
 * One attention step of incremental decoding: the new tokens' fused projection attends (causally) to the cached keys
 * and values and to itself, and the cache grows by the new tokens' keys (rotated by RoPE) and values.
 *
 * Where the current backend has darl's kernel (the native backend) that is one kernel: it copies the cache and writes
 * the new keys and values into the grown tensors, and attends with q read straight from the projection — instead of
 * a head split, RoPE, two concats, attention and a head merge, a dozen ops per block and token. Every other backend
 * runs those composite tfjs ops ({@link splitHeads}, `concat`, {@link fusedAttention}, {@link mergeHeads}). The op is
 * for inference: while gradients are being recorded it always takes the (differentiable) composite path.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertShape } from '../shapes.js';
import { fusedAttention } from './attention.js';
import { mergeHeads, projectionHeadDim, splitHeads } from './attention-heads.js';
import { KV_CACHE_ATTENTION, type QkvAttentionAttrs } from './attention-kernels.js';
import type { RotaryTables } from './attention-rope.js';

/** Options of {@link kvCacheAttention}. */
export interface KvCacheAttentionOptions {
  /** Heads `H`; the projection's last axis is `3 · H · dh`. */
  readonly heads: number;
  /** Keys (after RoPE) and values of the `T` cached tokens, float32 `[B·H, T, dh]` each; omit when `T = 0`. */
  readonly past?: {
    /** Cached keys of the earlier tokens float32 `[B·H, T, dh]`. */
    readonly keys: tf.Tensor3D;
    /** Cached values of the earlier tokens float32 `[B·H, T, dh]`. */
    readonly values: tf.Tensor3D;
  };
  /** RoPE tables `[L, dh]` of the new tokens; omit for none. */
  readonly rope?: RotaryTables;
  /** Multiplies the scores `q·k`; default `1/√dh`. */
  readonly scale?: number;
}

/** What {@link kvCacheAttention} returns (all owned by the caller). */
export interface KvCacheAttentionResult {
  /** float32 `[B, L, H·dh]`, the heads' outputs merged per token. */
  readonly output: tf.Tensor3D;
  /** float32 `[B·H, T + L, dh]`: the cached keys followed by the new tokens' (rotated). */
  readonly keys: tf.Tensor3D;
  /** float32 `[B·H, T + L, dh]`: the cached values followed by the new tokens'. */
  readonly values: tf.Tensor3D;
}

/** True while tfjs records operations for a gradient (inside `tf.grad`, `tf.variableGrads`, …). */
export function recordingGradients(): boolean {
  return ((tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth ?? 0) > 0;
}

/**
 * Checks the cache and rotary tables of a KV-cache step of `L` new tokens: `past.keys`/`past.values` `[B·H, T, dh]`
 * (one T), `rope.cos`/`rope.sin` `[L, dh]`.
 */
export function checkCacheInputs(where: string, opts: Pick<KvCacheAttentionOptions, 'past' | 'rope'>, BH: number, L: number, dh: number): void {
  const { past, rope } = opts;
  if (past) {
    const pd = assertShape(where, 'past.keys', past.keys.shape, [BH, 'T', dh]);
    assertShape(where, 'past.values', past.values.shape, [BH, 'T', dh], pd);
  }
  if (rope) {
    assertShape(where, 'rope.cos', rope.cos.shape, [L, dh]);
    assertShape(where, 'rope.sin', rope.sin.shape, [L, dh]);
  }
}

/**
 * Attention of `L` new tokens over `T` cached ones and themselves.
 *
 * @param qkv float32 `[B, L, 3·H·dh]`: per new token `[q | k | v]`, each `[H, dh]` head-major
 */
export function kvCacheAttention(qkv: tf.Tensor3D, opts: KvCacheAttentionOptions): KvCacheAttentionResult {
  const where = 'kvCacheAttention';
  const H = opts.heads;
  const dims = assertShape(where, 'qkv', qkv.shape, ['B', 'L', 'D3']);
  const [B, L, D3] = [dims.B!, dims.L!, dims.D3!];
  const dh = projectionHeadDim(where, D3, H);
  const { past, rope } = opts;
  checkCacheInputs(where, opts, B * H, L, dh);
  const scale = opts.scale ?? 1 / Math.sqrt(dh);
  const useKernel = qkv.dtype === 'float32' && B * L > 0 && !recordingGradients() && tf.getKernel(KV_CACHE_ATTENTION, tf.getBackend()) !== undefined;
  if (useKernel) {
    const attrs: QkvAttentionAttrs = { scale, causal: true, heads: H, sections: rope ? rope.sections : 0 };
    const inputs: tf.NamedTensorMap = { qkv, ...(past ? { pastKeys: past.keys, pastValues: past.values } : {}), ...(rope ? { cos: rope.cos, sin: rope.sin } : {}) };
    const [output, keys, values] = tf.engine().runKernel(KV_CACHE_ATTENTION, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor3D[];
    return { output: output!, keys: keys!, values: values! };
  }
  return tf.tidy(() => {
    const s = splitHeads(qkv, H, rope);
    const keys = past ? (tf.concat([past.keys, s.k], 1) as tf.Tensor3D) : s.k;
    const values = past ? (tf.concat([past.values, s.v], 1) as tf.Tensor3D) : s.v;
    const output = mergeHeads(fusedAttention(s.q, keys, values, { scale, causal: true }), H);
    return { output, keys, values };
  });
}
