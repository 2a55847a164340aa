// The machine's fp32 FMA peak: every thread runs independent chains of fused multiply-adds on SIMD registers
// (acc = acc * m + a, which converges, so no overflow or denormals), and the wall time of all threads together
// gives GFLOP/s (2 FLOPs per lane per FMA). Compiled by bench/src/peak.ts at bench time with
// `g++ -O2 -march=native -pthread`, so it uses the widest vectors and FMA the build machine has.
//
// It also reports `gflops_cpu_time`: the same FLOPs over each thread's own CPU time, summed over the threads, i.e. the
// rate the cores reach while they run this loop. Other processes on the machine lower `gflops` (wall time) but hardly
// this one, so it estimates the idle peak on a busy machine.
//
//   fma_peak THREADS SECONDS     prints one JSON line {"threads":T,"gflops":G,"gflops_cpu_time":G2,"lanes":W,...}
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#if defined(__AVX512F__)
constexpr int kBytes = 64;
#else
constexpr int kBytes = 32;
#endif
typedef float vec __attribute__((vector_size(kBytes)));
constexpr int kLanes = kBytes / 4;
// Independent chains per thread: enough to cover FMA latency (4 cycles) times 2 pipes, few enough to stay in
// registers (16 on AVX2, 32 on AVX-512).
constexpr int kChains = 12;

static float run(long iters, float seed) {
  vec acc[kChains];
  vec m, a;
  for (int l = 0; l < kLanes; l++) {
    m[l] = 0.999999f;
    a[l] = 1e-6f * seed;
  }
  for (int c = 0; c < kChains; c++)
    for (int l = 0; l < kLanes; l++) acc[c][l] = seed + c + l;
  for (long i = 0; i < iters; i++) {
#pragma GCC unroll 12
    for (int c = 0; c < kChains; c++) acc[c] = acc[c] * m + a;
  }
  float s = 0;
  for (int c = 0; c < kChains; c++)
    for (int l = 0; l < kLanes; l++) s += acc[c][l];
  return s;
}

static double threadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

struct Timing {
  double wall;        // seconds, all threads together
  double perCpuRate;  // sum over threads of iterations per CPU second
};

static Timing timed(int threads, long iters) {
  std::vector<std::thread> pool;
  std::vector<float> sums(threads);
  std::vector<double> cpu(threads);
  auto t0 = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; t++)
    pool.emplace_back([&, t] {
      double c0 = threadCpuSeconds();
      sums[t] = run(iters, 1.0f + t);
      cpu[t] = threadCpuSeconds() - c0;
    });
  for (auto& th : pool) th.join();
  Timing r{std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 0};
  float total = 0;
  for (int t = 0; t < threads; t++) {
    total += sums[t];
    r.perCpuRate += iters / cpu[t];
  }
  if (total == 12345.678f) std::printf("#");  // keeps the results live
  return r;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: fma_peak THREADS SECONDS\n");
    return 2;
  }
  int threads = std::atoi(argv[1]);
  double seconds = std::atof(argv[2]);
  if (threads < 1 || seconds <= 0) {
    std::fprintf(stderr, "fma_peak: THREADS must be >= 1 and SECONDS > 0\n");
    return 2;
  }
  // Calibrate the iteration count on one thread, then take the best of 3 timed runs of about SECONDS / 3 each.
  long iters = 1 << 20;
  while (timed(1, iters).wall < 0.02) iters *= 2;
  double per = timed(1, iters).wall / iters;
  iters = static_cast<long>(seconds / 3 / per) + 1;
  double best = 1e300, bestCpuRate = 0;
  for (int r = 0; r < 3; r++) {
    Timing t = timed(threads, iters);
    if (t.wall < best) best = t.wall;
    if (t.perCpuRate > bestCpuRate) bestCpuRate = t.perCpuRate;
  }
  double flopsPerIter = 2.0 * kLanes * kChains;
  double flops = flopsPerIter * static_cast<double>(iters) * threads;
  std::printf("{\"threads\":%d,\"gflops\":%.3f,\"gflops_cpu_time\":%.3f,\"seconds\":%.6f,\"iterations\":%ld,\"lanes\":%d,\"chains\":%d}\n",
              threads, flops / best / 1e9, flopsPerIter * bestCpuRate / 1e9, best, iters, kLanes, kChains);
  return 0;
}
