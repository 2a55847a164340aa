#include "attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "parallel.h"

namespace darl {
namespace {

constexpr int64_t kKeyTile = 64;   // keys per tile of scores in the forward pass
constexpr int64_t kRowBlock = 8;   // query rows per parallel work item in the forward pass

inline float dot(const float* a, const float* b, int64_t n) {
  float s = 0.f;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

inline void axpy(float alpha, const float* x, float* y, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; i++) y[i] += alpha * x[i];
}

/** Keys query row i may attend to: [0, visible). */
inline int64_t visible_keys(const AttentionDims& d, int64_t i) { return d.causal ? std::min(d.S, d.S - d.L + i + 1) : d.S; }

}  // namespace

void attention_forward(const AttentionDims& d, const float* q, const float* k, const float* v, float* out, float* lse) {
  const int64_t blocks = (d.L + kRowBlock - 1) / kRowBlock;
  const double cost = static_cast<double>(std::min(d.L, kRowBlock)) * d.S * d.dh * 4;
  parallel_for(d.BH * blocks, cost, [&](int64_t begin, int64_t end) {
    std::vector<float> scores(kKeyTile);
    for (int64_t item = begin; item < end; item++) {
      const int64_t bh = item / blocks;
      const int64_t r0 = (item % blocks) * kRowBlock;
      const int64_t r1 = std::min(d.L, r0 + kRowBlock);
      const float* K = k + bh * d.S * d.dh;
      const float* V = v + bh * d.S * d.dh;
      for (int64_t i = r0; i < r1; i++) {
        const float* qi = q + (bh * d.L + i) * d.dh;
        float* oi = out + (bh * d.L + i) * d.dh;
        std::fill(oi, oi + d.dh, 0.f);
        float m = -std::numeric_limits<float>::infinity();
        float l = 0.f;
        const int64_t n = visible_keys(d, i);
        for (int64_t j0 = 0; j0 < n; j0 += kKeyTile) {
          const int64_t j1 = std::min(n, j0 + kKeyTile);
          float mt = m;
          for (int64_t j = j0; j < j1; j++) {
            const float s = d.scale * dot(qi, K + j * d.dh, d.dh);
            scores[j - j0] = s;
            mt = std::max(mt, s);
          }
          if (mt > m) {
            const float c = std::exp(m - mt);  // exp(-inf) = 0 on the first tile
            l *= c;
#pragma omp simd
            for (int64_t c2 = 0; c2 < d.dh; c2++) oi[c2] *= c;
            m = mt;
          }
          for (int64_t j = j0; j < j1; j++) {
            const float p = std::exp(scores[j - j0] - m);
            l += p;
            axpy(p, V + j * d.dh, oi, d.dh);
          }
        }
        const float inv = n > 0 ? 1.f / l : 0.f;
#pragma omp simd
        for (int64_t c2 = 0; c2 < d.dh; c2++) oi[c2] *= inv;
        lse[bh * d.L + i] = n > 0 ? m + std::log(l) : -std::numeric_limits<float>::infinity();
      }
    }
  });
}

void attention_backward(const AttentionDims& d, const float* q, const float* k, const float* v, const float* out,
                        const float* lse, const float* dout, float* dq, float* dk, float* dv) {
  const double cost = static_cast<double>(d.L) * d.S * d.dh * 8;
  parallel_for(d.BH, cost, [&](int64_t begin, int64_t end) {
    for (int64_t bh = begin; bh < end; bh++) {
      const float* K = k + bh * d.S * d.dh;
      const float* V = v + bh * d.S * d.dh;
      float* dK = dk + bh * d.S * d.dh;
      float* dV = dv + bh * d.S * d.dh;
      std::fill(dK, dK + d.S * d.dh, 0.f);
      std::fill(dV, dV + d.S * d.dh, 0.f);
      for (int64_t i = 0; i < d.L; i++) {
        const int64_t row = (bh * d.L + i) * d.dh;
        const float* qi = q + row;
        const float* doi = dout + row;
        float* dqi = dq + row;
        std::fill(dqi, dqi + d.dh, 0.f);
        const float Di = dot(doi, out + row, d.dh);  // Σ_j p_ij dp_ij
        const float li = lse[bh * d.L + i];
        const int64_t n = visible_keys(d, i);
        for (int64_t j = 0; j < n; j++) {
          const float p = std::exp(d.scale * dot(qi, K + j * d.dh, d.dh) - li);
          const float ds = p * (dot(doi, V + j * d.dh, d.dh) - Di) * d.scale;
          axpy(ds, K + j * d.dh, dqi, d.dh);
          axpy(ds, qi, dK + j * d.dh, d.dh);
          axpy(p, doi, dV + j * d.dh, d.dh);
        }
      }
    }
  });
}

}  // namespace darl
