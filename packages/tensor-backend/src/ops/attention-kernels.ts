/**
 * The tfjs kernel names and attributes of darl's fused attention (one owner for both the ops that call them and the
 * backends that register them). Only darl registers these kernels: a backend without them runs the composite path.
 *
 * @module
 */

/** Forward: inputs `q [N, L, dh]`, `k`, `v [N, S, dh]`; outputs `out [N, L, dh]` and `lse [N, L]`. */
export const FUSED_ATTENTION = 'DarlFusedAttention';

/** Backward: inputs `q`, `k`, `v`, `out`, `lse`, `dy [N, L, dh]`; outputs `dq [N, L, dh]`, `dk`, `dv [N, S, dh]`. */
export const FUSED_ATTENTION_GRAD = 'DarlFusedAttentionGrad';

/**
 * Forward from a fused projection: inputs `qkv [B, L, 3·H·dh]` (per token `[q | k | v]`, each `[H, dh]`) and, with
 * RoPE, `cos`, `sin [L, dh]`; outputs `out [B, L, H·dh]` (merged heads) and `lse [B, H, L]`.
 */
export const QKV_ATTENTION = 'DarlQkvAttention';

/** Backward: inputs `qkv`, `out`, `lse`, `dy [B, L, H·dh]` (and `cos`, `sin`); output `dqkv [B, L, 3·H·dh]`. */
export const QKV_ATTENTION_GRAD = 'DarlQkvAttentionGrad';

/**
 * Inference step with a KV cache: inputs `qkv [B, L, 3·H·dh]` of the new tokens, optionally `pastKeys`, `pastValues
 * [B·H, T, dh]` (rotated) and `cos`, `sin [L, dh]`; outputs `out [B, L, H·dh]` (causal: new token `i` sees the `T`
 * cached tokens and new tokens `≤ i`) and the grown cache `keys`, `values [B·H, T + L, dh]`. No gradient.
 */
export const KV_CACHE_ATTENTION = 'DarlKvCacheAttention';

/**
 * `KV_CACHE_ATTENTION` with the layer's projections: inputs `x [B, L, D]`, `wqkv [D, 3D]`, `bqkv [3D]`, `wo [D, D]`,
 * `bo [D]` (and the cache and tables as there); outputs `out [B, L, D] = merged · wo + bo` and the grown cache.
 */
export const KV_CACHE_ATTENTION_LAYER = 'DarlKvCacheAttentionLayer';

/** Attributes of the `FUSED_ATTENTION` kernels. */
export interface FusedAttentionAttrs {
  /** Multiplies the scores `q·k` (usually `1/√dh`). */
  readonly scale: number;
  /** Query `i` of `L` sees keys `j ≤ S − L + i` only (the queries are the last `L` of the `S` keys' tokens). */
  readonly causal: boolean;
}

/** Attributes of the `QKV_ATTENTION` kernels and of the KV-cache kernels (always causal). */
export interface QkvAttentionAttrs extends FusedAttentionAttrs {
  /** Heads `H`. */
  readonly heads: number;
  /** RoPE sections (1 or 2) when the `cos`/`sin` inputs are given, else 0. */
  readonly sections: number;
}
