#include "sgemm.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "parallel.h"

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

namespace darl {
namespace {

#if defined(__AVX512F__)
constexpr int MR = 12;
constexpr int NR = 32;
const char* const KERNEL_NAME = "avx512 12x32";
#elif defined(__AVX2__) && defined(__FMA__)
constexpr int MR = 6;
constexpr int NR = 16;
const char* const KERNEL_NAME = "avx2+fma 6x16";
#else
constexpr int MR = 4;
constexpr int NR = 8;
const char* const KERNEL_NAME = "portable 4x8";
#endif

constexpr int64_t KC = 384;       // depth of one packed block (A panel MR x KC and B panel KC x NR stay in L1/L2)
constexpr int64_t MC = MR * 20;   // rows of A per block (MC x KC floats ~ 370 KB, in L2)
constexpr int64_t NC = 4096;      // columns of B packed at once

/** c[MR x NR] (ldc) = or += a-panel · b-panel over kc. */
inline void microkernel(int64_t kc, const float* __restrict a, const float* __restrict b, float* __restrict c,
                        int64_t ldc, bool accumulate) {
#if defined(__AVX512F__)
  __m512 acc0[MR], acc1[MR];
#pragma GCC unroll 12
  for (int i = 0; i < MR; i++) {
    acc0[i] = _mm512_setzero_ps();
    acc1[i] = _mm512_setzero_ps();
  }
  for (int64_t k = 0; k < kc; k++) {
    const __m512 b0 = _mm512_loadu_ps(b);
    const __m512 b1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 12
    for (int i = 0; i < MR; i++) {
      const __m512 ai = _mm512_set1_ps(a[i]);
      acc0[i] = _mm512_fmadd_ps(ai, b0, acc0[i]);
      acc1[i] = _mm512_fmadd_ps(ai, b1, acc1[i]);
    }
    a += MR;
    b += NR;
  }
#pragma GCC unroll 12
  for (int i = 0; i < MR; i++) {
    float* ci = c + i * ldc;
    if (accumulate) {
      acc0[i] = _mm512_add_ps(acc0[i], _mm512_loadu_ps(ci));
      acc1[i] = _mm512_add_ps(acc1[i], _mm512_loadu_ps(ci + 16));
    }
    _mm512_storeu_ps(ci, acc0[i]);
    _mm512_storeu_ps(ci + 16, acc1[i]);
  }
#elif defined(__AVX2__) && defined(__FMA__)
  __m256 acc0[MR], acc1[MR];
#pragma GCC unroll 6
  for (int i = 0; i < MR; i++) {
    acc0[i] = _mm256_setzero_ps();
    acc1[i] = _mm256_setzero_ps();
  }
  for (int64_t k = 0; k < kc; k++) {
    const __m256 b0 = _mm256_loadu_ps(b);
    const __m256 b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 6
    for (int i = 0; i < MR; i++) {
      const __m256 ai = _mm256_broadcast_ss(a + i);
      acc0[i] = _mm256_fmadd_ps(ai, b0, acc0[i]);
      acc1[i] = _mm256_fmadd_ps(ai, b1, acc1[i]);
    }
    a += MR;
    b += NR;
  }
#pragma GCC unroll 6
  for (int i = 0; i < MR; i++) {
    float* ci = c + i * ldc;
    if (accumulate) {
      acc0[i] = _mm256_add_ps(acc0[i], _mm256_loadu_ps(ci));
      acc1[i] = _mm256_add_ps(acc1[i], _mm256_loadu_ps(ci + 8));
    }
    _mm256_storeu_ps(ci, acc0[i]);
    _mm256_storeu_ps(ci + 8, acc1[i]);
  }
#else
  float acc[MR][NR] = {};
  for (int64_t k = 0; k < kc; k++) {
    for (int i = 0; i < MR; i++)
      for (int j = 0; j < NR; j++) acc[i][j] += a[i] * b[j];
    a += MR;
    b += NR;
  }
  for (int i = 0; i < MR; i++)
    for (int j = 0; j < NR; j++) c[i * ldc + j] = accumulate ? c[i * ldc + j] + acc[i][j] : acc[i][j];
#endif
}

/** Packs rows [i0, i0+mc) x depth [k0, k0+kc) of A into MR-row panels ([kc][MR] each), zero-padded. */
void pack_a(const Operand& A, int64_t i0, int64_t mc, int64_t k0, int64_t kc, float* dst) {
  for (int64_t ip = 0; ip < mc; ip += MR) {
    const int64_t mr = std::min<int64_t>(MR, mc - ip);
    const float* src = A.p + (i0 + ip) * A.rs + k0 * A.cs;
    if (A.rs == 1 && mr == MR) {  // transposed A: each depth step is MR contiguous floats
      for (int64_t k = 0; k < kc; k++) std::memcpy(dst + k * MR, src + k * A.cs, MR * sizeof(float));
    } else {
      for (int64_t k = 0; k < kc; k++) {
        float* d = dst + k * MR;
        const float* s = src + k * A.cs;
        int i = 0;
        for (; i < mr; i++) d[i] = s[i * A.rs];
        for (; i < MR; i++) d[i] = 0.f;
      }
    }
    dst += kc * MR;
  }
}

/** Packs depth [k0, k0+kc) x columns [j0, j0+nc) of B into NR-column panels ([kc][NR] each), zero-padded. */
void pack_b_panel(const Operand& B, int64_t k0, int64_t kc, int64_t j, int64_t nr, float* dst) {
  const float* src = B.p + k0 * B.rs + j * B.cs;
  if (B.cs == 1 && nr == NR) {
    for (int64_t k = 0; k < kc; k++) std::memcpy(dst + k * NR, src + k * B.rs, NR * sizeof(float));
    return;
  }
  if (B.rs == 1) {  // transposed B: walk each column contiguously
    for (int64_t jj = 0; jj < NR; jj++) {
      if (jj < nr) {
        const float* s = src + jj * B.cs;
        for (int64_t k = 0; k < kc; k++) dst[k * NR + jj] = s[k];
      } else {
        for (int64_t k = 0; k < kc; k++) dst[k * NR + jj] = 0.f;
      }
    }
    return;
  }
  for (int64_t k = 0; k < kc; k++) {
    float* d = dst + k * NR;
    const float* s = src + k * B.rs;
    int64_t jj = 0;
    for (; jj < nr; jj++) d[jj] = s[jj * B.cs];
    for (; jj < NR; jj++) d[jj] = 0.f;
  }
}

/** One MR x NR tile of C from packed panels, handling partial tiles through a scratch tile. */
inline void tile(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int64_t mr, int64_t nr,
                 bool accumulate) {
  if (mr == MR && nr == NR) {
    microkernel(kc, a, b, c, ldc, accumulate);
    return;
  }
  alignas(64) float t[MR * NR];
  microkernel(kc, a, b, t, NR, false);
  for (int64_t i = 0; i < mr; i++)
    for (int64_t j = 0; j < nr; j++) c[i * ldc + j] = accumulate ? c[i * ldc + j] + t[i * NR + j] : t[i * NR + j];
}

struct Scratch {
  std::vector<float> a, b;
  float* grow_a(size_t n) {
    if (a.size() < n) a.resize(n);
    return a.data();
  }
  float* grow_b(size_t n) {
    if (b.size() < n) b.resize(n);
    return b.data();
  }
};
thread_local Scratch scratch;

inline int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

/** Tiny products (a few rows): a direct loop beats packing. C = A · B for M < MR. */
void small_m(int64_t M, int64_t N, int64_t K, const Operand& A, const Operand& B, float* C, int64_t ldc) {
  for (int64_t i = 0; i < M; i++) {
    float* c = C + i * ldc;
    std::fill(c, c + N, 0.f);
    if (B.cs == 1) {
      for (int64_t k = 0; k < K; k++) {
        const float aik = A.p[i * A.rs + k * A.cs];
        const float* b = B.p + k * B.rs;
        for (int64_t j = 0; j < N; j++) c[j] += aik * b[j];
      }
    } else {
      for (int64_t j = 0; j < N; j++) {
        float s = 0.f;
        for (int64_t k = 0; k < K; k++) s += A.p[i * A.rs + k * A.cs] * B.p[k * B.rs + j * B.cs];
        c[j] = s;
      }
    }
  }
}

}  // namespace

const char* sgemm_kernel_name() { return KERNEL_NAME; }

void sgemm(int64_t M, int64_t N, int64_t K, Operand A, Operand B, float* C, int64_t ldc, bool parallel) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    for (int64_t i = 0; i < M; i++) std::fill(C + i * ldc, C + i * ldc + N, 0.f);
    return;
  }
  const double macs = static_cast<double>(M) * N * K;
  if (M < MR / 2 && !(parallel && num_threads() > 1 && macs * 0.02 >= kParallelMinWork)) {
    small_m(M, N, K, A, B, C, ldc);
    return;
  }
  // Parallel from about 5 M multiply-adds (100 µs at 0.02 ns each, kParallelMinWork): below, one thread is faster.
  const bool par = parallel && num_threads() > 1 && macs * 0.02 >= kParallelMinWork;
  for (int64_t jc = 0; jc < N; jc += NC) {
    const int64_t nc = std::min(NC, N - jc);
    const int64_t nPanels = (nc + NR - 1) / NR;
    for (int64_t pc = 0; pc < K; pc += KC) {
      const int64_t kc = std::min(KC, K - pc);
      const bool acc = pc > 0;
      float* bp = scratch.grow_b(static_cast<size_t>(nPanels * NR * kc));
      if (!par) {
        for (int64_t q = 0; q < nPanels; q++)
          pack_b_panel(B, pc, kc, jc + q * NR, std::min<int64_t>(NR, nc - q * NR), bp + q * NR * kc);
        float* ap = scratch.grow_a(static_cast<size_t>(round_up(std::min(MC, M), MR) * kc));
        for (int64_t ic = 0; ic < M; ic += MC) {
          const int64_t mc = std::min(MC, M - ic);
          pack_a(A, ic, mc, pc, kc, ap);
          for (int64_t q = 0; q < nPanels; q++) {
            const int64_t nr = std::min<int64_t>(NR, nc - q * NR);
            for (int64_t ip = 0; ip < mc; ip += MR)
              tile(kc, ap + ip * kc, bp + q * NR * kc, C + (ic + ip) * ldc + jc + q * NR, ldc,
                   std::min<int64_t>(MR, mc - ip), nr, acc);
          }
        }
        continue;
      }
      // Parallel: pack all of B and all of A for this depth block, then share (row block x column chunk) tasks.
      const int64_t mPad = round_up(M, MR);
      float* ap = scratch.grow_a(static_cast<size_t>(mPad * kc));
      const int64_t mPanels = mPad / MR;
      const int64_t nIc = (M + MC - 1) / MC;
      const int t = num_threads();
      const int64_t wantChunks = std::max<int64_t>(1, (4 * t + nIc - 1) / nIc);
      const int64_t chunk = std::max<int64_t>(1, (nPanels + wantChunks - 1) / wantChunks);
      const int64_t nChunks = (nPanels + chunk - 1) / chunk;
      const int64_t tasks = nIc * nChunks;
      parallel_tasks(nPanels + mPanels, [&](int64_t i) {
        if (i < nPanels) {
          pack_b_panel(B, pc, kc, jc + i * NR, std::min<int64_t>(NR, nc - i * NR), bp + i * NR * kc);
        } else {
          const int64_t p = i - nPanels;
          pack_a(A, p * MR, std::min<int64_t>(MR, M - p * MR), pc, kc, ap + p * MR * kc);
        }
      });
      parallel_tasks(tasks, [&](int64_t task) {
        const int64_t ic = (task / nChunks) * MC;
        const int64_t mc = std::min(MC, M - ic);
        const int64_t q0 = (task % nChunks) * chunk;
        const int64_t q1 = std::min(nPanels, q0 + chunk);
        for (int64_t q = q0; q < q1; q++) {
          const int64_t nr = std::min<int64_t>(NR, nc - q * NR);
          for (int64_t ip = 0; ip < mc; ip += MR)
            tile(kc, ap + (ic + ip) * kc, bp + q * NR * kc, C + (ic + ip) * ldc + jc + q * NR, ldc,
                 std::min<int64_t>(MR, mc - ip), nr, acc);
        }
      });
    }
  }
}

void sgemm_batched(int64_t batch, int64_t M, int64_t N, int64_t K, Operand A, int64_t aStride, const int32_t* aIdx,
                   Operand B, int64_t bStride, const int32_t* bIdx, float* C) {
  auto item = [&](int64_t b, bool parallel) {
    Operand a{A.p + static_cast<int64_t>(aIdx[b]) * aStride, A.rs, A.cs};
    Operand bb{B.p + static_cast<int64_t>(bIdx[b]) * bStride, B.rs, B.cs};
    sgemm(M, N, K, a, bb, C + b * M * N, N, parallel);
  };
  const double macs = static_cast<double>(M) * N * K;
  if (batch >= num_threads() && (macs < 4e6 || batch >= 8 * num_threads())) {
    parallel_for(batch, macs * 0.1, [&](int64_t b0, int64_t b1) {  // ns: small products run at about 0.1 per multiply-add
      for (int64_t b = b0; b < b1; b++) item(b, false);
    });
  } else {
    for (int64_t b = 0; b < batch; b++) item(b, true);
  }
}

}  // namespace darl
