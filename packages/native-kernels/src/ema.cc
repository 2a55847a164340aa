// EMA over all parameters: no fused multiply-adds (bit-identical to the composite update).
#include "no-fp-contract.h"
#include "ema.h"

#include "reduce.h"

namespace darl {

void ema_update(int64_t count, float* const* s, const float* const* p, const int64_t* sizes, float decay,
                float oneMinusDecay) {
  for_each_block(count, sizes, [&](int64_t i, int64_t j0, int64_t j1) {
    float* si = s[i];
    const float* pi = p[i];
#pragma omp simd
    for (int64_t j = j0; j < j1; j++) si[j] = si[j] * decay + pi[j] * oneMinusDecay;
  });
}

}  // namespace darl
