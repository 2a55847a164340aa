// No fused multiply-adds here: every operation rounds to float32 exactly as the composite tfjs update does, so a
// parameter updated by this kernel and one updated by the composite code (the op's fallback) agree bit for bit.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
#include "adamw.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "parallel.h"

namespace darl {

void adamw_update(int64_t count, float* const* p, const float* const* g, float* const* m, float* const* v,
                  const int64_t* sizes, const float* decay, const float* stepScale, const AdamWStep& s) {
  // All tensors as one index space [0, total), cut into blocks that may span tensor boundaries.
  std::vector<int64_t> start(static_cast<size_t>(count) + 1, 0);
  for (int64_t i = 0; i < count; i++) start[i + 1] = start[i] + sizes[i];
  const int64_t total = start[count];
  constexpr int64_t kBlock = 8192;
  parallel_for((total + kBlock - 1) / kBlock, kBlock * 0.25, [&](int64_t b0, int64_t b1) {
    const int64_t e0 = b0 * kBlock, e1 = std::min(total, b1 * kBlock);
    int64_t i = std::upper_bound(start.begin(), start.end(), e0) - start.begin() - 1;
    for (int64_t e = e0; e < e1; i++) {
      const int64_t j0 = e - start[i], j1 = std::min(start[i + 1], e1) - start[i];
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
      e = start[i] + j1;
    }
  });
}

}  // namespace darl
