// The addon's thread pool: OpenMP (libgomp, shipped with g++), sized once from DARL_NUM_THREADS or the CPUs the
// process may run on (its affinity mask). Kernels call parallel_for, which runs serially when the work is small.
#pragma once
#include <cstdint>
#include <omp.h>

namespace darl {

/** Threads every parallel kernel uses (set by set_threads at load time). */
int num_threads();
void set_threads(int n);
/** CPUs in the process's affinity mask (what "the cores the process may use" means on Linux). */
int allowed_cpus();

/** Runs body(begin, end) over [0, n) split into contiguous chunks, one per thread, when n * cost_per_item is large. */
template <class F>
inline void parallel_for(int64_t n, double cost_per_item, F&& body) {
  int t = num_threads();
  if (t <= 1 || n <= 1 || static_cast<double>(n) * cost_per_item < 32768.0) {
    body(int64_t{0}, n);
    return;
  }
  if (t > n) t = static_cast<int>(n);
#pragma omp parallel num_threads(t)
  {
    const int id = omp_get_thread_num();
    const int nt = omp_get_num_threads();
    const int64_t b = n * id / nt;
    const int64_t e = n * (id + 1) / nt;
    if (b < e) body(b, e);
  }
}

}  // namespace darl
