#include "layer-norm.h"

#include <cmath>

#include "parallel.h"
#include "reduce.h"

namespace darl {
namespace {
/** Nanoseconds per element on one thread (parallel_for's unit): forward 0.33 measured, backward a little more. */
constexpr double kCost = 0.4;
}  // namespace

void layer_norm_forward(const float* x, const float* gamma, const float* beta, float eps, int64_t rows, int64_t cols,
                        float* y, float* mean, float* rstd) {
  if (rows == 0) return;
  const float inv = cols > 0 ? 1.0f / static_cast<float>(cols) : 0.f;
  parallel_for(rows, cols * kCost, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const float* xr = x + r * cols;
      float* yr = y + r * cols;
      float s = 0.f;
#pragma omp simd reduction(+ : s)
      for (int64_t c = 0; c < cols; c++) s += xr[c];
      const float mu = s * inv;
      float q = 0.f;
#pragma omp simd reduction(+ : q)
      for (int64_t c = 0; c < cols; c++) q += (xr[c] - mu) * (xr[c] - mu);
      const float rs = 1.0f / std::sqrt(q * inv + eps);
      mean[r] = mu;
      rstd[r] = rs;
      if (gamma && beta) {
#pragma omp simd
        for (int64_t c = 0; c < cols; c++) yr[c] = (xr[c] - mu) * rs * gamma[c] + beta[c];
      } else if (gamma) {
#pragma omp simd
        for (int64_t c = 0; c < cols; c++) yr[c] = (xr[c] - mu) * rs * gamma[c];
      } else {
#pragma omp simd
        for (int64_t c = 0; c < cols; c++) yr[c] = (xr[c] - mu) * rs;
      }
    }
  });
}

namespace {

/** dx of one row: rstd · (g·dy − mean(g·dy) − x̂ · mean(g·dy·x̂)), g = gamma or 1. */
inline void row_dx(const float* dyr, const float* xr, const float* gamma, float mu, float rs, int64_t cols, float inv,
                   float* dxr) {
  float a = 0.f, b = 0.f;
  if (gamma) {
#pragma omp simd reduction(+ : a, b)
    for (int64_t c = 0; c < cols; c++) {
      const float g = dyr[c] * gamma[c];
      a += g;
      b += g * (xr[c] - mu) * rs;
    }
  } else {
#pragma omp simd reduction(+ : a, b)
    for (int64_t c = 0; c < cols; c++) {
      a += dyr[c];
      b += dyr[c] * (xr[c] - mu) * rs;
    }
  }
  a *= inv;
  b *= inv;
  if (gamma) {
#pragma omp simd
    for (int64_t c = 0; c < cols; c++) dxr[c] = rs * (dyr[c] * gamma[c] - a - (xr[c] - mu) * rs * b);
  } else {
#pragma omp simd
    for (int64_t c = 0; c < cols; c++) dxr[c] = rs * (dyr[c] - a - (xr[c] - mu) * rs * b);
  }
}

}  // namespace

void layer_norm_backward(const float* dy, const float* x, const float* gamma, const float* mean, const float* rstd,
                         int64_t rows, int64_t cols, float* dx, float* dgamma, float* dbeta) {
  const float inv = cols > 0 ? 1.0f / static_cast<float>(cols) : 0.f;
  if (!dgamma && !dbeta) {
    parallel_for(rows, cols * kCost, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; r++) row_dx(dy + r * cols, x + r * cols, gamma, mean[r], rstd[r], cols, inv, dx + r * cols);
    });
    return;
  }
  // Partial sums per chunk of rows: [dgamma | dbeta], 2·cols floats.
  std::vector<float> sums(static_cast<size_t>(2 * cols));
  rows_with_sums(rows, cols * 0.5, 2 * cols, sums.data(), [&](int64_t r0, int64_t r1, float* acc) {
    float* ag = acc;
    float* ab = acc + cols;
    for (int64_t r = r0; r < r1; r++) {
      const float* dyr = dy + r * cols;
      const float* xr = x + r * cols;
      const float mu = mean[r], rs = rstd[r];
      row_dx(dyr, xr, gamma, mu, rs, cols, inv, dx + r * cols);
#pragma omp simd
      for (int64_t c = 0; c < cols; c++) {
        ag[c] += dyr[c] * ((xr[c] - mu) * rs);
        ab[c] += dyr[c];
      }
    }
  });
  for (int64_t c = 0; c < cols; c++) {
    if (dgamma) dgamma[c] = sums[c];
    if (dbeta) dbeta[c] = sums[cols + c];
  }
}

}  // namespace darl
