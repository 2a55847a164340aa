#include "parallel.h"

#include <sched.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define DARL_PAUSE() _mm_pause()
#else
#define DARL_PAUSE() ((void)0)
#endif

namespace darl {
namespace {

std::atomic<int> g_threads{1};

/** True on the pool's workers and on a caller inside run_tasks: nested parallel loops run serially there. */
thread_local bool t_in_parallel = false;

/**
 * The pool. One job at a time (a second caller, e.g. another worker_thread of Node, runs its loop serially). A job is
 * published under `mutex` with `open` set; a worker joins it by incrementing `active` under the same mutex while the
 * job is open, claims tasks from `next` until none are left, then decrements `active`. The caller claims tasks too,
 * then closes the job (no worker can join after that) and waits for `active` to reach 0: it waits only for workers
 * that are running one of its tasks, never for one that has not woken up yet.
 */
class Pool {
 public:
  void run(int64_t count, void (*task)(void*, int64_t), void* ctx, int threads) {
    std::unique_lock<std::mutex> one(submit_, std::defer_lock);
    if (t_in_parallel || !one.try_lock()) {
      for (int64_t i = 0; i < count; i++) task(ctx, i);
      return;
    }
    const int wanted = std::min<int64_t>(threads - 1, count - 1);
    spawn(wanted);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      task_ = task;
      ctx_ = ctx;
      count_ = count;
      workers_ = wanted;
      next_.store(0, std::memory_order_relaxed);
      open_ = true;
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    t_in_parallel = true;
    claim();
    t_in_parallel = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      open_ = false;
    }
    // Only workers that joined (and so are running, or about to run, a claimed task) are waited for.
    for (int spins = 0; active_.load(std::memory_order_acquire) != 0; spins++) {
      if (spins < 4096) DARL_PAUSE();
      else std::this_thread::yield();
    }
  }

 private:
  void claim() {
    for (int64_t i; (i = next_.fetch_add(1, std::memory_order_relaxed)) < count_;) task_(ctx_, i);
  }

  /** Starts workers until there are `n` (they live as long as the process). */
  void spawn(int n) {
    while (static_cast<int>(started_) < n) {
      const int index = started_++;
      std::thread([this, index] { work(index); }).detach();
    }
  }

  void work(int index) {
    t_in_parallel = true;
    uint64_t seen = 0;
    for (;;) {
      // A short spin (a few microseconds) catches back-to-back kernels; then sleep without using the CPU.
      for (int i = 0; i < 256 && generation_.load(std::memory_order_acquire) == seen; i++) DARL_PAUSE();
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return generation_.load(std::memory_order_relaxed) != seen; });
      seen = generation_.load(std::memory_order_relaxed);
      if (!open_ || index >= workers_) continue;
      active_.fetch_add(1, std::memory_order_acq_rel);
      lock.unlock();
      claim();
      active_.fetch_sub(1, std::memory_order_acq_rel);
    }
  }

  std::mutex submit_;  // held by the caller for the whole job
  std::mutex mutex_;   // guards the job's fields and `open_`
  std::condition_variable wake_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> active_{0};
  std::atomic<int64_t> next_{0};
  void (*task_)(void*, int64_t) = nullptr;
  void* ctx_ = nullptr;
  int64_t count_ = 0;
  int workers_ = 0;
  bool open_ = false;
  int started_ = 0;  // only the submitting thread (holding submit_) starts workers
};

Pool& pool() {
  static Pool* p = new Pool();  // never destroyed: detached workers may sleep on it until the process exits
  return *p;
}

}  // namespace

int num_threads() { return g_threads.load(std::memory_order_relaxed); }

void set_threads(int n) { g_threads.store(n < 1 ? 1 : n, std::memory_order_relaxed); }

int allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return 1;
  const int n = CPU_COUNT(&set);
  return n > 0 ? n : 1;
}

namespace detail {
void run_tasks(int64_t count, void (*task)(void*, int64_t), void* ctx) { pool().run(count, task, ctx, num_threads()); }
}  // namespace detail

}  // namespace darl
