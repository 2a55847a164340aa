#include "attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "parallel.h"

namespace darl {
namespace {

constexpr int64_t kKeyTile = 64;   // keys per tile of scores in the forward pass
constexpr int64_t kRowBlock = 16;  // query rows per parallel work item in the forward pass

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

/**
 * y = x ⊙ cos + swap(x) ⊙ sin (swap exchanges the halves of each section) for table row t; with `inverse`, the
 * transposed rotation y = x ⊙ cos + swap(x ⊙ sin) (the gradient of the forward one). Without tables, a copy.
 */
inline void rotate(const Rotary& r, int64_t t, int64_t dh, const float* x, float* y, bool inverse) {
  if (!r.cos) {
    std::memcpy(y, x, sizeof(float) * dh);
    return;
  }
  const float* c = r.cos + t * dh;
  const float* s = r.sin + t * dh;
  const int64_t m = dh / r.sections, half = m / 2;
  for (int64_t sec = 0; sec < r.sections; sec++) {
    for (int64_t j = sec * m; j < sec * m + half; j++) {
      const int64_t o = j + half;
      if (inverse) {
        y[j] = x[j] * c[j] + x[o] * s[o];
        y[o] = x[o] * c[o] + x[j] * s[j];
      } else {
        y[j] = x[j] * c[j] + x[o] * s[j];
        y[o] = x[o] * c[o] + x[j] * s[o];
      }
    }
  }
}

}  // namespace

void attention_forward(const AttentionDims& d, const Rotary& rope, Rows<const float> q, Rows<const float> k,
                       Rows<const float> v, Rows<float> out, float* lse) {
  const int64_t blocks = (d.L + kRowBlock - 1) / kRowBlock;
  const int64_t dh = d.dh;
  const double cost = static_cast<double>(std::min(d.L, kRowBlock)) * d.S * dh * 4;
  parallel_for(d.B * d.H * blocks, cost, [&](int64_t begin, int64_t end) {
    std::vector<float> scores(kKeyTile), keys(d.S * dh), qi(dh);
    int64_t cached = -1;  // the (b, h) whose keys are in `keys`
    for (int64_t item = begin; item < end; item++) {
      const int64_t bh = item / blocks, b = bh / d.H, h = bh % d.H;
      const int64_t r0 = (item % blocks) * kRowBlock, r1 = std::min(d.L, r0 + kRowBlock);
      if (cached != bh) {  // consecutive items share (b, h): rotate (or copy) its keys once
        for (int64_t j = 0; j < visible_keys(d, d.L - 1); j++) rotate(rope, j, dh, k.row(b, h, j), &keys[j * dh], false);
        cached = bh;
      }
      for (int64_t i = r0; i < r1; i++) {
        rotate(rope, d.S - d.L + i, dh, q.row(b, h, i), qi.data(), false);
        float* oi = out.row(b, h, i);
        std::fill(oi, oi + dh, 0.f);
        float m = -std::numeric_limits<float>::infinity();
        float l = 0.f;
        const int64_t n = visible_keys(d, i);
        for (int64_t j0 = 0; j0 < n; j0 += kKeyTile) {
          const int64_t j1 = std::min(n, j0 + kKeyTile);
          float mt = m;
          for (int64_t j = j0; j < j1; j++) {
            const float s = d.scale * dot(qi.data(), &keys[j * dh], dh);
            scores[j - j0] = s;
            mt = std::max(mt, s);
          }
          if (mt > m) {
            const float c = std::exp(m - mt);  // exp(-inf) = 0 on the first tile
            l *= c;
#pragma omp simd
            for (int64_t x = 0; x < dh; x++) oi[x] *= c;
            m = mt;
          }
          for (int64_t j = j0; j < j1; j++) {
            const float p = std::exp(scores[j - j0] - m);
            l += p;
            axpy(p, v.row(b, h, j), oi, dh);
          }
        }
        const float inv = n > 0 ? 1.f / l : 0.f;
#pragma omp simd
        for (int64_t x = 0; x < dh; x++) oi[x] *= inv;
        lse[bh * d.L + i] = n > 0 ? m + std::log(l) : -std::numeric_limits<float>::infinity();
      }
    }
  });
}

void attention_backward(const AttentionDims& d, const Rotary& rope, Rows<const float> q, Rows<const float> k,
                        Rows<const float> v, Rows<const float> out, const float* lse, Rows<const float> dout,
                        Rows<float> dq, Rows<float> dk, Rows<float> dv) {
  const int64_t dh = d.dh;
  const double cost = static_cast<double>(d.L) * d.S * dh * 8;
  parallel_for(d.B * d.H, cost, [&](int64_t begin, int64_t end) {
    std::vector<float> Q(d.L * dh), K(d.S * dh), dQ(d.L * dh), dK(d.S * dh), dV(d.S * dh);
    for (int64_t bh = begin; bh < end; bh++) {
      const int64_t b = bh / d.H, h = bh % d.H;
      for (int64_t i = 0; i < d.L; i++) rotate(rope, d.S - d.L + i, dh, q.row(b, h, i), &Q[i * dh], false);
      for (int64_t j = 0; j < d.S; j++) rotate(rope, j, dh, k.row(b, h, j), &K[j * dh], false);
      std::fill(dQ.begin(), dQ.end(), 0.f);
      std::fill(dK.begin(), dK.end(), 0.f);
      std::fill(dV.begin(), dV.end(), 0.f);
      for (int64_t i = 0; i < d.L; i++) {
        const float* qi = &Q[i * dh];
        const float* doi = dout.row(b, h, i);
        float* dqi = &dQ[i * dh];
        const float Di = dot(doi, out.row(b, h, i), dh);  // Σ_j p_ij dp_ij
        const float li = lse[bh * d.L + i];
        const int64_t n = visible_keys(d, i);
        for (int64_t j = 0; j < n; j++) {
          const float* kj = &K[j * dh];
          const float p = std::exp(d.scale * dot(qi, kj, dh) - li);
          const float ds = p * (dot(doi, v.row(b, h, j), dh) - Di) * d.scale;
          axpy(ds, kj, dqi, dh);
          axpy(ds, qi, &dK[j * dh], dh);
          axpy(p, doi, &dV[j * dh], dh);
        }
      }
      for (int64_t i = 0; i < d.L; i++) rotate(rope, d.S - d.L + i, dh, &dQ[i * dh], dq.row(b, h, i), true);
      for (int64_t j = 0; j < d.S; j++) {
        rotate(rope, j, dh, &dK[j * dh], dk.row(b, h, j), true);
        std::memcpy(dv.row(b, h, j), &dV[j * dh], sizeof(float) * dh);
      }
    }
  });
}

}  // namespace darl
