// Fused exact (erf) GELU of a [rows, cols] float32 array, optionally after adding a bias row (the MLP's
// Linear → GELU), forward and backward in one pass each.
#pragma once
#include <cstdint>

namespace darl {

/** y = z · Φ(z) = z · ½ · (1 + erf(z / √2)) with z = x + bias (bias [cols], or null for z = x). */
void gelu_forward(const float* x, const float* bias, int64_t rows, int64_t cols, float* y);

/**
 * dx = dy · (Φ(z) + z · φ(z)) for z = x + bias, and, when bias and dbias are not null, dbias[cols] = Σ_rows dx (the bias
 * gradient, reduced in the same pass).
 */
void gelu_backward(const float* dy, const float* x, const float* bias, int64_t rows, int64_t cols, float* dx,
                   float* dbias);

}  // namespace darl
