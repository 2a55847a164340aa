// Multi-threaded elementwise, slicing and reduction kernels on float32 arrays (row-major).
#pragma once
#include <cstdint>

#include "kernels.generated.h"  // the op codes: enum class Unary and Binary, declared in kernel-table.mjs

namespace darl {

constexpr int kMaxRank = 8;

void unary(Unary op, const float* x, float* y, int64_t n);

/**
 * out[i] = a[ia] op b[ib] over `shape` (rank ≤ kMaxRank), where ia/ib come from per-dimension element strides
 * (0 on broadcast dimensions).
 */
void binary(Binary op, const float* a, const int64_t* aStrides, const float* b, const int64_t* bStrides, float* out,
            const int64_t* shape, int rank);

/** Copies the box [begin, begin + size) of a row-major array of `shape` into out. */
void slice(const float* x, const int64_t* shape, const int64_t* begin, const int64_t* size, int rank, float* out);

/** out[r] = sum_c x[r, c]  (reduction over the inner dimension). */
void sum_inner(const float* x, int64_t rows, int64_t cols, float* out);
/** out[c] = sum_r x[r, c]  (reduction over the outer dimension, e.g. a bias gradient). */
void sum_outer(const float* x, int64_t rows, int64_t cols, float* out);

}  // namespace darl
