// Fused scaled-dot-product attention, forward and backward (FlashAttention-2 style: the forward keeps a running
// max and sum per query row over tiles of keys and saves each row's log-sum-exp; the backward recomputes the
// probabilities from it). Causal: query i (of L) sees keys j <= S - L + i (the L new tokens are the last of S keys).
//
// Every tensor is addressed through strides, so q, k and v can be read straight from a fused [B, L, 3, H, dh] qkv
// projection and the output written as merged heads [B, L, H, dh]; optional rotary position embedding (RoPE,
// rotate-half pairing) is applied to q and k rows as they are read.
#pragma once
#include <cstdint>

namespace darl {

/** Rows of `dh` contiguous float32 channels: row (b, h, l) starts at p + b * sb + h * sh + l * sl. */
template <class F>
struct Rows {
  F* p;
  int64_t sb, sh, sl;
  F* row(int64_t b, int64_t h, int64_t l) const { return p + b * sb + h * sh + l * sl; }
};

/**
 * RoPE tables cos[·, dh] and sin[·, dh] (the sine with each section's first half negated), `sections` sections of
 * dh / sections channels whose halves pair up. Query i is rotated by row i; with `keys`, key j by row j (self-attention
 * of the L = S tokens the tables describe); without, keys are read as they are (already rotated, e.g. a KV cache).
 * cos == nullptr: no RoPE.
 */
struct Rotary {
  const float* cos = nullptr;
  const float* sin = nullptr;
  int64_t sections = 1;
  bool keys = true;
};

/** Sizes of one call: B × H independent items, L queries, S keys, dh channels per head. */
struct AttentionDims {
  int64_t B, H, L, S, dh;
  float scale;
  bool causal;
};

/** out = softmax(scale · q kᵀ + mask) v per (b, h), and lse[B, H, L] (contiguous) each row's log-sum-exp. */
void attention_forward(const AttentionDims& d, const Rotary& rope, Rows<const float> q, Rows<const float> k,
                       Rows<const float> v, Rows<float> out, float* lse);

/** dq, dk, dv (every element written) for the upstream gradient dout, from the forward's inputs, out and lse. */
void attention_backward(const AttentionDims& d, const Rotary& rope, Rows<const float> q, Rows<const float> k,
                        Rows<const float> v, Rows<const float> out, const float* lse, Rows<const float> dout,
                        Rows<float> dq, Rows<float> dk, Rows<float> dv);

/** dst row (b, h, l) = src row (b, h, l) rotated by table row l (copied when rope.cos is null), for B × H × L rows. */
void copy_rows(int64_t B, int64_t H, int64_t L, int64_t dh, const Rotary& rope, Rows<const float> src, Rows<float> dst);

}  // namespace darl
