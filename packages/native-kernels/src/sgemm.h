// Single-precision GEMM with packing and a register-blocked microkernel (AVX-512, AVX2+FMA or portable C++,
// chosen at compile time: the addon is built on the machine that runs it, with -march=native).
#pragma once
#include <cstdint>

namespace darl {

/** A matrix operand: element (i, j) is p[i * rs + j * cs]. */
struct Operand {
  const float* p;
  int64_t rs;
  int64_t cs;
};

/**
 * C[M, N] (row-major, leading dimension ldc) = A[M, K] · B[K, N], overwriting C. Uses every thread of the pool when
 * `parallel` (false inside an outer parallel loop).
 */
void sgemm(int64_t M, int64_t N, int64_t K, Operand A, Operand B, float* C, int64_t ldc, bool parallel);

/**
 * `batch` independent products C_b = A_{aIdx[b]} · B_{bIdx[b]} where item i of A starts at A.p + i * aStride (same
 * for B) and C_b at C + b * M * N. Small items run one per thread; large ones each use all threads.
 */
void sgemm_batched(int64_t batch, int64_t M, int64_t N, int64_t K, Operand A, int64_t aStride, const int32_t* aIdx,
                   Operand B, int64_t bStride, const int32_t* bIdx, float* C);

/** Name of the compiled microkernel, e.g. "avx512 12x32". */
const char* sgemm_kernel_name();

}  // namespace darl
