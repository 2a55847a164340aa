/**
 * The tfjs kernel names and attributes of darl's fused attention (one owner for both the op that calls them and the
 * backends that register them). Only darl registers these kernels: a backend without them runs the composite path.
 *
 * @module
 */

/** Forward: inputs `q [N, L, dh]`, `k`, `v [N, S, dh]`; outputs `out [N, L, dh]` and `lse [N, L]`. */
export const FUSED_ATTENTION = 'DarlFusedAttention';

/** Backward: inputs `q`, `k`, `v`, `out`, `lse`, `dy [N, L, dh]`; outputs `dq [N, L, dh]`, `dk`, `dv [N, S, dh]`. */
export const FUSED_ATTENTION_GRAD = 'DarlFusedAttentionGrad';

/** Attributes of both kernels. */
export interface FusedAttentionAttrs {
  /** Multiplies the scores `q·k` (usually `1/√dh`). */
  readonly scale: number;
  /** Query `i` of `L` sees keys `j ≤ S − L + i` only (the queries are the last `L` of the `S` keys' tokens). */
  readonly causal: boolean;
}
