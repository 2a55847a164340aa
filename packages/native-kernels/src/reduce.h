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

}  // namespace darl
