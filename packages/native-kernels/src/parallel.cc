#include "parallel.h"

#include <sched.h>

#include <atomic>

namespace darl {
namespace {
std::atomic<int> g_threads{1};
}

int num_threads() { return g_threads.load(std::memory_order_relaxed); }

void set_threads(int n) {
  if (n < 1) n = 1;
  g_threads.store(n, std::memory_order_relaxed);
  omp_set_num_threads(n);
}

int allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return 1;
  const int n = CPU_COUNT(&set);
  return n > 0 ? n : 1;
}

}  // namespace darl
