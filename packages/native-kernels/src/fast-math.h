// Inline float32 transcendental functions shared by the elementwise and fused kernels (vectorisable, no errno).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

namespace darl {

/** exp for float32, vectorisable: 2^n · p(r), r = x − n·ln2 in [−ln2/2, ln2/2], degree-6 polynomial (≈ 1 ulp). */
inline float exp_f(float x) {
  // Clamp with comparisons, not fmin/fmax: they vectorise, and NaN stays NaN (fmax would turn it into a bound).
  x = x < -103.97f ? -103.97f : (x > 88.72f ? 88.72f : x);
  const float n = std::nearbyint(x * 1.44269504088896341f);
  float r = std::fma(n, -0.693145751953125f, x);
  r = std::fma(n, -1.428606765330187045e-06f, r);
  float p = 1.0f / 720.0f;
  p = std::fma(p, r, 1.0f / 120.0f);
  p = std::fma(p, r, 1.0f / 24.0f);
  p = std::fma(p, r, 1.0f / 6.0f);
  p = std::fma(p, r, 0.5f);
  p = std::fma(p, r, 1.0f);
  p = std::fma(p, r, 1.0f);
  // Scale by 2^n in two halves so that n down to −150 (subnormal results) stays exact.
  const int32_t ni = static_cast<int32_t>(n);
  const int32_t n1 = ni / 2;
  const int32_t n2 = ni - n1;
  // Bit casts (not memcpy through memory), so that loops calling exp_f vectorise.
  const float s1 = __builtin_bit_cast(float, (n1 + 127) << 23);
  const float s2 = __builtin_bit_cast(float, (n2 + 127) << 23);
  return p * s1 * s2;
}

/**
 * erf as tfjs computes it on every backend (Abramowitz & Stegun 7.1.26, |error| ≤ 1.5e-7), so native results match
 * the cpu backend to float32 rounding.
 */
inline float erf_f(float x) {
  const float p = 0.3275911f, a1 = 0.254829592f, a2 = -0.284496736f, a3 = 1.421413741f, a4 = -1.453152027f,
              a5 = 1.061405429f;
  const float s = x < 0.f ? -1.f : 1.f;
  const float v = std::fabs(x);
  const float t = 1.0f / (1.0f + p * v);
  const float poly = ((((a5 * t + a4) * t + a3) * t + a2) * t + a1) * t;
  return s * (1.0f - poly * exp_f(-v * v));
}

}  // namespace darl
