// The addon's thread pool: OpenMP (libgomp, shipped with g++), sized once from DARL_NUM_THREADS or the CPUs the
// process may run on (its affinity mask). Kernels call parallel_for, which runs serially when the work is small.
#pragma once
#include <algorithm>
#include <cstdint>
#include <omp.h>

namespace darl {

/** Threads every parallel kernel uses (set by set_threads at load time). */
int num_threads();
void set_threads(int n);
/** CPUs in the process's affinity mask (what "the cores the process may use" means on Linux). */
int allowed_cpus();

/** Runs body(begin, end) over [0, n) split into contiguous chunks, when n * cost_per_item is large. */
template <class F>
inline void parallel_for(int64_t n, double cost_per_item, F&& body) {
  int t = num_threads();
  if (t <= 1 || n <= 1 || static_cast<double>(n) * cost_per_item < 32768.0) {
    body(int64_t{0}, n);
    return;
  }
  // Dynamic chunks (4 per thread): on a busy machine a descheduled thread's share is taken by the others.
  const int64_t chunks = std::min<int64_t>(n, 4 * static_cast<int64_t>(t));
#pragma omp parallel for schedule(dynamic, 1) num_threads(t)
  for (int64_t c = 0; c < chunks; c++) {
    const int64_t b = n * c / chunks;
    const int64_t e = n * (c + 1) / chunks;
    if (b < e) body(b, e);
  }
}

}  // namespace darl
