// Row-parallel loops that also reduce over the rows: each fixed chunk of rows accumulates its own column sums, and
// the chunks' partial sums are added in chunk order, so results do not depend on the thread count or on scheduling.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "parallel.h"

namespace darl {

/** Chunks the rows are split into (at most): the same for every thread count, so sums are reproducible. */
constexpr int64_t kReduceChunks = 32;

/**
 * Runs body(r0, r1, acc) over contiguous row ranges covering [0, rows), where acc points to `width` zeroed floats
 * private to that range; afterwards out[j] = the sum over ranges of acc[j], added in range order. Parallel when
 * rows * cost_per_row is large (see parallel_for).
 */
template <class F>
void rows_with_sums(int64_t rows, double cost_per_row, int64_t width, float* out, F&& body) {
  const int64_t chunks = std::max<int64_t>(1, std::min(rows, kReduceChunks));
  std::vector<float> partial(static_cast<size_t>(chunks * width), 0.f);
  parallel_for(chunks, cost_per_row * static_cast<double>(rows) / static_cast<double>(chunks), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; c++) {
      const int64_t r0 = rows * c / chunks, r1 = rows * (c + 1) / chunks;
      if (r0 < r1) body(r0, r1, partial.data() + c * width);
    }
  });
  for (int64_t j = 0; j < width; j++) out[j] = 0.f;
  for (int64_t c = 0; c < chunks; c++) {
    const float* p = partial.data() + c * width;
#pragma omp simd
    for (int64_t j = 0; j < width; j++) out[j] += p[j];
  }
}

/** Elements per block of for_each_block. */
constexpr int64_t kTensorBlock = 8192;

/**
 * Runs body(i, j0, j1) over blocks [j0, j1) of elements of tensors i < count (sizes[i] elements each), so that
 * many small and large tensors are processed by one parallel loop; every element is visited once. Blocks never
 * span two tensors.
 */
template <class F>
void for_each_block(int64_t count, const int64_t* sizes, F&& body) {
  std::vector<int64_t> tensor, begin;
  for (int64_t i = 0; i < count; i++) {
    for (int64_t j = 0; j < sizes[i]; j += kTensorBlock) {
      tensor.push_back(i);
      begin.push_back(j);
    }
  }
  // Cost in ns per element (parallel_for's unit): 0.1 for sums of squares to 0.5 for AdamW.
  parallel_for(static_cast<int64_t>(tensor.size()), kTensorBlock * 0.3, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; b++) {
      const int64_t i = tensor[b], j0 = begin[b];
      body(i, j0, std::min(sizes[i], j0 + kTensorBlock));
    }
  });
}

/** out[i] = Σ_j x[i][j]² for tensors i < count (sizes[i] elements), accumulated in float64, blocks in order. */
void sum_squares(int64_t count, const float* const* x, const int64_t* sizes, float* out);

}  // namespace darl
