// The exponential-moving-average update of many float32 tensors in one call (@darl/tensor-backend's optim/ema.ts).
#pragma once
#include <cstdint>

namespace darl {

/** For every tensor i < count, in place: s[i] ← s[i] · decay + p[i] · oneMinusDecay (sizes[i] elements). */
void ema_update(int64_t count, float* const* s, const float* const* p, const int64_t* sizes, float decay,
                float oneMinusDecay);

}  // namespace darl
