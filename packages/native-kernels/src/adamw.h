// The AdamW update of many float32 tensors in one call (the update of @darl/tensor-backend's optim/adamw.ts).
#pragma once
#include <cstdint>

namespace darl {

/** Per-step constants shared by every tensor (float32, as the tfjs scalars they replace). */
struct AdamWStep {
  float beta1, oneMinusBeta1, beta2, oneMinusBeta2, sqrtBias2, eps;
};

/**
 * For every tensor i < count and element j < sizes[i], in place:
 * m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; p ← p·decay[i] − (m / (√v / √(1 − β₂ᵗ) + ε)) · stepScale[i],
 * where decay[i] = 1 − lr'·λ (1 for parameters without decay) and stepScale[i] = lr' / (1 − β₁ᵗ).
 */
void adamw_update(int64_t count, float* const* p, const float* const* g, float* const* m, float* const* v,
                  const int64_t* sizes, const float* decay, const float* stepScale, const AdamWStep& s);

}  // namespace darl
