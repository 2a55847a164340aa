/**
 * Feature standardisation with training-set statistics: batch normalisation without affine parameters, as the
 * linear probe of MAE (`BatchNorm1d(affine=False, eps=1e-6)`), but with the exact statistics of the whole training
 * set instead of running averages: `x̂ = (x − μ) / √(σ² + eps)` with μ, σ² the per-feature mean and population
 * variance of the training rows.
 *
 * @module
 */
import { featureMatrix, type FeatureMatrix } from './feature-matrix.js';

/** Per-feature statistics of a training set. */
export interface FeatureStatistics {
  /** Mean per feature, `[C]`. */
  readonly mean: Float32Array;
  /** `1 / √(var + eps)` per feature, `[C]`. */
  readonly invStd: Float32Array;
}

/** Default `eps` of {@link featureStatistics} (MAE's probe BatchNorm). */
export const STANDARDIZE_EPS = 1e-6;

/**
 * Mean and inverse standard deviation per feature (population variance, accumulated in float64).
 *
 * @param train features `[N, C]`, N ≥ 1
 */
export function featureStatistics(train: FeatureMatrix, eps = STANDARDIZE_EPS): FeatureStatistics {
  const { data, rows, dim } = train;
  if (rows < 1) throw new Error('featureStatistics: the training features have no rows; statistics need at least one.');
  const sum = new Float64Array(dim);
  for (let i = 0; i < rows; i++) {
    const o = i * dim;
    for (let c = 0; c < dim; c++) sum[c]! += data[o + c]!;
  }
  const mean = new Float64Array(dim);
  for (let c = 0; c < dim; c++) mean[c] = sum[c]! / rows;
  const sq = new Float64Array(dim);
  for (let i = 0; i < rows; i++) {
    const o = i * dim;
    for (let c = 0; c < dim; c++) {
      const d = data[o + c]! - mean[c]!;
      sq[c]! += d * d;
    }
  }
  const invStd = new Float32Array(dim);
  for (let c = 0; c < dim; c++) invStd[c] = 1 / Math.sqrt(sq[c]! / rows + eps);
  return { mean: Float32Array.from(mean), invStd };
}

/** `(x − mean) · invStd` per feature, as a new matrix `[N, C]`. */
export function standardizeFeatures(x: FeatureMatrix, stats: FeatureStatistics): FeatureMatrix {
  const { data, rows, dim } = x;
  if (stats.mean.length !== dim) {
    throw new Error(`standardizeFeatures: statistics are for ${stats.mean.length} features but the matrix has ${dim}; compute them on features of the same readout.`);
  }
  const out = new Float32Array(data.length);
  for (let i = 0; i < rows; i++) {
    const o = i * dim;
    for (let c = 0; c < dim; c++) out[o + c] = (data[o + c]! - stats.mean[c]!) * stats.invStd[c]!;
  }
  return featureMatrix(out, rows, dim);
}
