#include "reduce.h"

namespace darl {

void sum_squares(int64_t count, const float* const* x, const int64_t* sizes, float* out) {
  // One float64 partial per block, added per tensor in block order (independent of threads and scheduling).
  std::vector<int64_t> firstBlock(static_cast<size_t>(count) + 1, 0);
  for (int64_t i = 0; i < count; i++) firstBlock[i + 1] = firstBlock[i] + (sizes[i] + kTensorBlock - 1) / kTensorBlock;
  std::vector<double> partial(static_cast<size_t>(firstBlock[count]), 0.0);
  for_each_block(count, sizes, [&](int64_t i, int64_t j0, int64_t j1) {
    const float* xi = x[i];
    double s = 0.0;
#pragma omp simd reduction(+ : s)
    for (int64_t j = j0; j < j1; j++) s += static_cast<double>(xi[j]) * xi[j];
    partial[firstBlock[i] + j0 / kTensorBlock] = s;
  });
  for (int64_t i = 0; i < count; i++) {
    double s = 0.0;
    for (int64_t b = firstBlock[i]; b < firstBlock[i + 1]; b++) s += partial[b];
    out[i] = static_cast<float>(s);
  }
}

}  // namespace darl
