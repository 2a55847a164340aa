// Fused scaled-dot-product attention, forward and backward (FlashAttention-2 style: the forward keeps a running
// max and sum per query row over tiles of keys and saves each row's log-sum-exp; the backward recomputes the
// probabilities from it). Causal: query i (of L) sees keys j <= S - L + i (the L new tokens are the last of S keys).
#pragma once
#include <cstdint>

namespace darl {

/** Sizes of one attention call: BH independent (batch, head) items, L queries, S keys, dh channels per head. */
struct AttentionDims {
  int64_t BH;
  int64_t L;
  int64_t S;
  int64_t dh;
  float scale;
  bool causal;
};

/**
 * out[BH, L, dh] = softmax(scale · q kᵀ + mask) v and lse[BH, L] = each row's log-sum-exp of the masked, scaled
 * scores, for q[BH, L, dh], k and v[BH, S, dh] (row-major float32). Parallel over BH × blocks of query rows.
 */
void attention_forward(const AttentionDims& d, const float* q, const float* k, const float* v, float* out, float* lse);

/**
 * Gradients of the forward pass for the upstream gradient dout[BH, L, dh], given its q, k, v, out and lse:
 * dq[BH, L, dh], dk and dv[BH, S, dh] (overwritten). Parallel over BH.
 */
void attention_backward(const AttentionDims& d, const float* q, const float* k, const float* v, const float* out,
                        const float* lse, const float* dout, float* dq, float* dk, float* dv);

}  // namespace darl
