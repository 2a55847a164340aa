// AdamW over all parameters: no fused multiply-adds (bit-identical to the composite update).
#include "no-fp-contract.h"
#include "adamw.h"

#include <cmath>

#include "reduce.h"

namespace darl {

void adamw_update(int64_t count, float* const* p, const float* const* g, float* const* m, float* const* v,
                  const int64_t* sizes, const float* decay, const float* stepScale, const AdamWStep& s) {
  for_each_block(count, sizes, [&](int64_t i, int64_t j0, int64_t j1) {
    float* pi = p[i];
    const float* gi = g[i];
    float* mi = m[i];
    float* vi = v[i];
    const float d = decay[i], k = stepScale[i];
#pragma omp simd
    for (int64_t j = j0; j < j1; j++) {
      const float gj = gi[j];
      const float mj = mi[j] * s.beta1 + gj * s.oneMinusBeta1;
      const float vj = vi[j] * s.beta2 + (gj * gj) * s.oneMinusBeta2;
      const float denom = std::sqrt(vj) / s.sqrtBias2 + s.eps;
      mi[j] = mj;
      vi[j] = vj;
      pi[j] = pi[j] * d - (mj / denom) * k;
    }
  });
}

}  // namespace darl
