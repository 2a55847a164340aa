#include "gelu.h"

#include "fast-math.h"
#include "parallel.h"
#include "reduce.h"

namespace darl {
namespace {

constexpr float kSqrtHalf = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;

inline float gelu(float z) { return (z * 0.5f) * (erf_f(z * kSqrtHalf) + 1.0f); }

/** d gelu / dz = Φ(z) + z · φ(z). */
inline float gelu_grad(float z) { return 0.5f * (erf_f(z * kSqrtHalf) + 1.0f) + z * (kInvSqrt2Pi * exp_f(-0.5f * z * z)); }

/** Per element: erf and exp, a few dozen flops. */
constexpr double kCost = 8.0;

}  // namespace

void gelu_forward(const float* x, const float* bias, int64_t rows, int64_t cols, float* y) {
  if (!bias) {
    // No bias: one flat array, split by elements (rows may be 1).
    parallel_for(rows * cols, kCost, [&](int64_t b, int64_t e) {
#pragma omp simd
      for (int64_t i = b; i < e; i++) y[i] = gelu(x[i]);
    });
    return;
  }
  parallel_for(rows, cols * kCost, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const float* xr = x + r * cols;
      float* yr = y + r * cols;
#pragma omp simd
      for (int64_t c = 0; c < cols; c++) yr[c] = gelu(xr[c] + bias[c]);
    }
  });
}

void gelu_backward(const float* dy, const float* x, const float* bias, int64_t rows, int64_t cols, float* dx,
                   float* dbias) {
  auto row = [&](int64_t r) {
    const float* dyr = dy + r * cols;
    const float* xr = x + r * cols;
    float* dxr = dx + r * cols;
#pragma omp simd
    for (int64_t c = 0; c < cols; c++) dxr[c] = dyr[c] * gelu_grad(xr[c] + bias[c]);
  };
  if (!bias) {
    parallel_for(rows * cols, kCost, [&](int64_t b, int64_t e) {
#pragma omp simd
      for (int64_t i = b; i < e; i++) dx[i] = dy[i] * gelu_grad(x[i]);
    });
    return;
  }
  if (!dbias) {
    parallel_for(rows, cols * kCost, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; r++) row(r);
    });
    return;
  }
  rows_with_sums(rows, cols * kCost, cols, dbias, [&](int64_t r0, int64_t r1, float* acc) {
    for (int64_t r = r0; r < r1; r++) {
      row(r);
      const float* dxr = dx + r * cols;
#pragma omp simd
      for (int64_t c = 0; c < cols; c++) acc[c] += dxr[c];
    }
  });
}

}  // namespace darl
