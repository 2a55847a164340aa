#include "elementwise.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "fast-math.h"
#include "parallel.h"

namespace darl {
namespace {

/**
 * Nanoseconds per element on one thread (parallel_for's unit), measured with 1 M-element arrays: memory-bound
 * operations (copies, + − × ÷, square, sqrt, sums) about 0.1, exp 0.3, erf 0.4, log 1.7. With kParallelMinWork
 * (100 µs) a second thread starts at about 1 M elements for the cheap ones, 250 K for erf, 60 K for log.
 */
constexpr double kCheap = 0.1;
constexpr double kExp = 0.3;
constexpr double kErf = 0.4;
constexpr double kLog = 1.7;

template <class F>
void map(const float* x, float* y, int64_t n, double cost, F f) {
  parallel_for(n, cost, [&](int64_t b, int64_t e) {
#pragma omp simd
    for (int64_t i = b; i < e; i++) y[i] = f(x[i]);
  });
}

template <class F>
void binary_impl(F f, const float* a, const int64_t* as, const float* b, const int64_t* bs, float* out,
                 const int64_t* shape, int rank) {
  const int64_t inner = shape[rank - 1];
  const int64_t ai = as[rank - 1], bi = bs[rank - 1];
  int64_t outer = 1;
  for (int d = 0; d < rank - 1; d++) outer *= shape[d];
  parallel_for(outer, inner * kCheap, [&](int64_t r0, int64_t r1) {
    int64_t idx[kMaxRank] = {};
    int64_t rem = r0;
    for (int d = rank - 2; d >= 0; d--) {
      idx[d] = rem % shape[d];
      rem /= shape[d];
    }
    for (int64_t r = r0; r < r1; r++) {
      int64_t ao = 0, bo = 0;
      for (int d = 0; d < rank - 1; d++) {
        ao += idx[d] * as[d];
        bo += idx[d] * bs[d];
      }
      const float* pa = a + ao;
      const float* pb = b + bo;
      float* po = out + r * inner;
      if (ai == 1 && bi == 1) {
#pragma omp simd
        for (int64_t i = 0; i < inner; i++) po[i] = f(pa[i], pb[i]);
      } else if (ai == 1 && bi == 0) {
        const float vb = pb[0];
#pragma omp simd
        for (int64_t i = 0; i < inner; i++) po[i] = f(pa[i], vb);
      } else if (ai == 0 && bi == 1) {
        const float va = pa[0];
#pragma omp simd
        for (int64_t i = 0; i < inner; i++) po[i] = f(va, pb[i]);
      } else {
        for (int64_t i = 0; i < inner; i++) po[i] = f(pa[i * ai], pb[i * bi]);
      }
      for (int d = rank - 2; d >= 0; d--) {
        if (++idx[d] < shape[d]) break;
        idx[d] = 0;
      }
    }
  });
}

}  // namespace

void unary(Unary op, const float* x, float* y, int64_t n) {
  switch (op) {
    case Unary::Exp: return map(x, y, n, kExp, [](float v) { return exp_f(v); });
    case Unary::Erf: return map(x, y, n, kErf, [](float v) { return erf_f(v); });
    case Unary::Neg: return map(x, y, n, kCheap, [](float v) { return -v; });
    case Unary::Square: return map(x, y, n, kCheap, [](float v) { return v * v; });
    case Unary::Sqrt: return map(x, y, n, kCheap, [](float v) { return std::sqrt(v); });
    case Unary::Rsqrt: return map(x, y, n, kCheap, [](float v) { return 1.0f / std::sqrt(v); });
    case Unary::Abs: return map(x, y, n, kCheap, [](float v) { return std::fabs(v); });
    case Unary::Log: return map(x, y, n, kLog, [](float v) { return std::log(v); });
  }
}

void binary(Binary op, const float* a, const int64_t* as, const float* b, const int64_t* bs, float* out,
            const int64_t* shape, int rank) {
  switch (op) {
    case Binary::Add: return binary_impl([](float x, float y) { return x + y; }, a, as, b, bs, out, shape, rank);
    case Binary::Sub: return binary_impl([](float x, float y) { return x - y; }, a, as, b, bs, out, shape, rank);
    case Binary::Multiply: return binary_impl([](float x, float y) { return x * y; }, a, as, b, bs, out, shape, rank);
    case Binary::RealDiv: return binary_impl([](float x, float y) { return x / y; }, a, as, b, bs, out, shape, rank);
    case Binary::SquaredDifference:
      return binary_impl([](float x, float y) { return (x - y) * (x - y); }, a, as, b, bs, out, shape, rank);
    case Binary::Maximum:
      return binary_impl([](float x, float y) { return std::isnan(x) || x > y ? x : y; }, a, as, b, bs, out, shape, rank);
    case Binary::Minimum:
      return binary_impl([](float x, float y) { return std::isnan(x) || x < y ? x : y; }, a, as, b, bs, out, shape, rank);
  }
}

void slice(const float* x, const int64_t* shape, const int64_t* begin, const int64_t* size, int rank, float* out) {
  int64_t strides[kMaxRank];
  strides[rank - 1] = 1;
  for (int d = rank - 2; d >= 0; d--) strides[d] = strides[d + 1] * shape[d + 1];
  const int64_t inner = size[rank - 1];
  int64_t outer = 1;
  for (int d = 0; d < rank - 1; d++) outer *= size[d];
  parallel_for(outer, inner * kCheap, [&](int64_t r0, int64_t r1) {
    int64_t idx[kMaxRank] = {};
    int64_t rem = r0;
    for (int d = rank - 2; d >= 0; d--) {
      idx[d] = rem % size[d];
      rem /= size[d];
    }
    for (int64_t r = r0; r < r1; r++) {
      int64_t off = begin[rank - 1];
      for (int d = 0; d < rank - 1; d++) off += (begin[d] + idx[d]) * strides[d];
      std::memcpy(out + r * inner, x + off, static_cast<size_t>(inner) * sizeof(float));
      for (int d = rank - 2; d >= 0; d--) {
        if (++idx[d] < size[d]) break;
        idx[d] = 0;
      }
    }
  });
}

void sum_inner(const float* x, int64_t rows, int64_t cols, float* out) {
  parallel_for(rows, cols * kCheap, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const float* p = x + r * cols;
      float s = 0.f;
#pragma omp simd reduction(+ : s)
      for (int64_t c = 0; c < cols; c++) s += p[c];
      out[r] = s;
    }
  });
}

void sum_outer(const float* x, int64_t rows, int64_t cols, float* out) {
  // Split the columns across threads when there are enough, else the rows (partial sums, added at the end).
  const int t = num_threads();
  if (cols >= 64 * t || t == 1 || static_cast<double>(rows) * cols < 1048576.0) {
    parallel_for((cols + 15) / 16, rows * 16 * kCheap, [&](int64_t b0, int64_t b1) {
      const int64_t c0 = b0 * 16, c1 = std::min(cols, b1 * 16);
      for (int64_t c = c0; c < c1; c++) out[c] = 0.f;
      for (int64_t r = 0; r < rows; r++) {
        const float* p = x + r * cols;
#pragma omp simd
        for (int64_t c = c0; c < c1; c++) out[c] += p[c];
      }
    });
    return;
  }
  std::vector<float> partial(static_cast<size_t>(t) * cols, 0.f);
  parallel_for(t, 1e9, [&](int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; k++) {
      float* acc = partial.data() + k * cols;
      for (int64_t r = rows * k / t; r < rows * (k + 1) / t; r++) {
        const float* p = x + r * cols;
#pragma omp simd
        for (int64_t c = 0; c < cols; c++) acc[c] += p[c];
      }
    }
  });
  for (int64_t c = 0; c < cols; c++) {
    float s = 0.f;
    for (int k = 0; k < t; k++) s += partial[static_cast<size_t>(k) * cols + c];
    out[c] = s;
  }
}

}  // namespace darl
