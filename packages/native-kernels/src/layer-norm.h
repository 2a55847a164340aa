// Fused LayerNorm over the last axis of a [rows, cols] float32 array, forward and backward in one pass each.
#pragma once
#include <cstdint>

namespace darl {

/**
 * y = (x − mean) · rstd · gamma + beta per row, with mean and rstd = 1/√(biased variance + eps) of the row, which
 * are written to mean[rows] and rstd[rows]. gamma and beta ([cols]) may be null (no affine: gain 1, shift 0).
 */
void layer_norm_forward(const float* x, const float* gamma, const float* beta, float eps, int64_t rows, int64_t cols,
                        float* y, float* mean, float* rstd);

/**
 * Gradients of layer_norm_forward given dy [rows, cols] and the saved mean and rstd: dx [rows, cols], and, when
 * gamma is not null, dgamma[cols] = Σ_rows dy·x̂ and dbeta[cols] = Σ_rows dy (either may be null to skip it).
 */
void layer_norm_backward(const float* dy, const float* x, const float* gamma, const float* mean, const float* rstd,
                         int64_t rows, int64_t cols, float* dx, float* dgamma, float* dbeta);

}  // namespace darl
