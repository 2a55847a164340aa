// The addon's thread pool, sized from DARL_NUM_THREADS or the CPUs the process may run on (its affinity mask).
// Kernels call parallel_for / parallel_tasks, which run serially when the work is small.
//
// The pool is darl's own (std::thread), not OpenMP, for two reasons that matter on small work and busy machines:
// - idle workers sleep on a condition variable after a short spin (a few microseconds), so a pool waiting between
//   kernels takes no CPU from the JavaScript thread or from other processes;
// - the calling thread never waits for a worker that has not started: tasks are claimed one by one from a shared
//   counter, the caller claims them too, and at the end it waits only for tasks a worker actually claimed. A worker
//   that the OS schedules late finds nothing left and goes back to sleep (an OpenMP parallel region instead ends in
//   a barrier that waits for every thread of the team, which on a loaded machine can cost a whole time slice).
#pragma once
#include <algorithm>
#include <cstdint>
#include <type_traits>

namespace darl {

/** Threads every parallel kernel uses (the caller plus num_threads() - 1 workers; set by set_threads). */
int num_threads();
void set_threads(int n);
/** CPUs in the process's affinity mask (what "the cores the process may use" means on Linux). */
int allowed_cpus();

/**
 * Work, in nanoseconds of one thread's time, below which parallel_for runs on the calling thread: 100 µs, an order of
 * magnitude above what waking a sleeping worker costs on an idle machine (5–20 µs). Kernels pass their cost per item
 * in the same unit, measured single-threaded on the reference machine (2 Zen 4 cores, AVX-512: a memory-bound
 * elementwise op 0.1 ns per element, exp 0.3, erf 0.4, log 1.7, GELU 0.4, LayerNorm 0.35, fused attention forward
 * 0.25 ns per query·key·channel); see the README's "Threads".
 */
constexpr double kParallelMinWork = 100000.0;

namespace detail {
/** Runs task(ctx, i) for every i in [0, count) on the pool and the calling thread; returns when all are done. */
void run_tasks(int64_t count, void (*task)(void*, int64_t), void* ctx);
}  // namespace detail

/**
 * Runs body(i) for every i in [0, count), spread over the pool (tasks claimed one at a time, in order). Runs
 * serially when there is one thread, one task, or when called from inside another parallel loop.
 */
template <class F>
inline void parallel_tasks(int64_t count, F&& body) {
  if (count <= 0) return;
  if (count == 1 || num_threads() <= 1) {
    for (int64_t i = 0; i < count; i++) body(i);
    return;
  }
  using Body = std::remove_reference_t<F>;
  detail::run_tasks(count, [](void* ctx, int64_t i) { (*static_cast<Body*>(ctx))(i); }, const_cast<void*>(static_cast<const void*>(&body)));
}

/**
 * Runs body(begin, end) over [0, n) split into contiguous chunks, in parallel when n * cost_per_item (nanoseconds of
 * one thread's work) reaches kParallelMinWork.
 */
template <class F>
inline void parallel_for(int64_t n, double cost_per_item, F&& body) {
  const int t = num_threads();
  if (t <= 1 || n <= 1 || static_cast<double>(n) * cost_per_item < kParallelMinWork) {
    body(int64_t{0}, n);
    return;
  }
  // 4 chunks per thread: on a busy machine a descheduled thread's share is taken by the others.
  const int64_t chunks = std::min<int64_t>(n, 4 * static_cast<int64_t>(t));
  parallel_tasks(chunks, [&](int64_t c) {
    const int64_t b = n * c / chunks;
    const int64_t e = n * (c + 1) / chunks;
    if (b < e) body(b, e);
  });
}

}  // namespace darl
