/**
 * The Fréchet distance between two sets of feature vectors, each summarised by a Gaussian (mean, covariance) — the
 * quantity behind FID, here over any features (e.g. a small classifier trained on the user's own data):
 * `d² = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2·(Σ₁Σ₂)^{½})`.
 *
 * `Tr((Σ₁Σ₂)^{½})` is computed as `Σ √λᵢ` over the eigenvalues of the symmetric positive semi-definite
 * `Σ₁^{½} Σ₂ Σ₁^{½}` (same spectrum as Σ₁Σ₂), with cyclic Jacobi eigendecompositions in float64: exact up to
 * rounding, no complex square roots, no iterative matrix square root. Cost `O(C³)` per call: meant for feature widths
 * up to a few hundred. Pure JavaScript, no tensors.
 *
 * @module
 */
import type { FeatureMatrix } from './feature-matrix.js';

/** Mean `[C]` and covariance `[C, C]` (row-major, unbiased: divided by N − 1, as NumPy's `np.cov`). */
export interface GaussianStatistics {
  /** Feature width C. */
  readonly dim: number;
  /** Mean `[C]`. */
  readonly mean: Float64Array;
  /** Unbiased covariance `[C, C]`, row-major. */
  readonly covariance: Float64Array;
}

/** Mean and unbiased covariance of the rows of `m` (at least 2 rows). */
export function gaussianStatistics(m: FeatureMatrix): GaussianStatistics {
  const { rows: n, dim: c, data } = m;
  if (n < 2) throw new Error(`gaussianStatistics: need at least 2 rows to estimate a covariance, got ${n}.`);
  const mean = new Float64Array(c);
  for (let i = 0; i < n; i++) for (let q = 0; q < c; q++) mean[q]! += data[i * c + q]!;
  for (let q = 0; q < c; q++) mean[q]! /= n;
  const cov = new Float64Array(c * c);
  const row = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    for (let q = 0; q < c; q++) row[q] = data[i * c + q]! - mean[q]!;
    for (let p = 0; p < c; p++) {
      const v = row[p]!;
      if (v === 0) continue;
      for (let q = p; q < c; q++) cov[p * c + q]! += v * row[q]!;
    }
  }
  for (let p = 0; p < c; p++) {
    for (let q = p; q < c; q++) {
      const v = cov[p * c + q]! / (n - 1);
      cov[p * c + q] = v;
      cov[q * c + p] = v;
    }
  }
  return { dim: c, mean, covariance: cov };
}

/**
 * Eigen-decomposition of the symmetric `a` `[d, d]` by cyclic Jacobi rotations.
 * @returns eigenvalues `[d]` and eigenvectors as the columns of `vectors` `[d, d]` (row-major)
 */
export function symmetricEigen(
  a: Float64Array,
  d: number,
): {
  /** Eigenvalues `[d]`. */
  values: Float64Array;
  /** Eigenvectors as the columns of a row-major `[d, d]` matrix. */
  vectors: Float64Array;
} {
  const m = Float64Array.from(a);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  let scale = 0;
  for (let i = 0; i < d * d; i++) scale += m[i]! * m[i]!;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += m[p * d + q]! * m[p * d + q]!;
    if (off <= 1e-30 * scale || off === 0) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = m[p * d + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q * d + q]! - m[p * d + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const mkp = m[k * d + p]!;
          const mkq = m[k * d + q]!;
          m[k * d + p] = c * mkp - s * mkq;
          m[k * d + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < d; k++) {
          const mpk = m[p * d + k]!;
          const mqk = m[q * d + k]!;
          m[p * d + k] = c * mpk - s * mqk;
          m[q * d + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p]!;
          const vkq = v[k * d + q]!;
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(d);
  for (let i = 0; i < d; i++) values[i] = m[i * d + i]!;
  return { values, vectors: v };
}

/** `a · b` for row-major `[d, d]` matrices. */
function mul(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < d; k++) {
      const aik = a[i * d + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < d; j++) out[i * d + j]! += aik * b[k * d + j]!;
    }
  }
  return out;
}

/** Fréchet distance (squared, as FID reports it) between two Gaussians of the same width. */
export function frechetDistance(a: GaussianStatistics, b: GaussianStatistics): number {
  if (a.dim !== b.dim) throw new Error(`frechetDistance: the feature widths differ (${a.dim} vs ${b.dim}); use the same features for both sets.`);
  const d = a.dim;
  let meanTerm = 0;
  for (let i = 0; i < d; i++) meanTerm += (a.mean[i]! - b.mean[i]!) ** 2;
  let trace = 0;
  for (let i = 0; i < d; i++) trace += a.covariance[i * d + i]! + b.covariance[i * d + i]!;
  // Σ₁^{½} = V diag(√λ) Vᵀ (negative rounding noise clamped to 0).
  const e = symmetricEigen(a.covariance, d);
  const half = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += e.vectors[i * d + k]! * Math.sqrt(Math.max(0, e.values[k]!)) * e.vectors[j * d + k]!;
      half[i * d + j] = s;
      half[j * d + i] = s;
    }
  }
  const inner = mul(mul(half, b.covariance, d), half, d);
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const s = 0.5 * (inner[i * d + j]! + inner[j * d + i]!);
      inner[i * d + j] = s;
      inner[j * d + i] = s;
    }
  }
  let sqrtTrace = 0;
  for (const l of symmetricEigen(inner, d).values) sqrtTrace += Math.sqrt(Math.max(0, l));
  return meanTerm + trace - 2 * sqrtTrace;
}
