/** Synthetic data sets with known answers, shared by the tests. */
import { Rng } from '@darl/tensor-backend';
import { featureMatrix, type FeatureMatrix } from './feature-matrix.js';

export interface Labelled {
  features: FeatureMatrix;
  labels: Int32Array;
}

/** K Gaussian clusters in `dim` dimensions with centres `spread` apart on average and unit-ish noise `noise`. */
export function gaussianClusters(rng: Rng, n: number, dim: number, k: number, opts: { spread: number; noise: number; centres?: Float64Array }): Labelled & { centres: Float64Array } {
  const centres = opts.centres ?? Float64Array.from({ length: k * dim }, () => rng.normalScalar() * opts.spread);
  const data = new Float32Array(n * dim);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = i % k;
    labels[i] = y;
    for (let d = 0; d < dim; d++) data[i * dim + d] = centres[y * dim + d]! + opts.noise * rng.normalScalar();
  }
  return { features: featureMatrix(data, n, dim), labels, centres };
}

/** Two concentric classes in 2-D: label 1 inside radius r, 0 in a ring outside (a gap keeps them separable). */
export function rings(rng: Rng, n: number): Labelled {
  const data = new Float32Array(n * 2);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const inside = i % 2 === 1;
    const radius = inside ? 0.8 * Math.sqrt(rng.next()) : 1.2 + 0.8 * rng.next();
    const angle = 2 * Math.PI * rng.next();
    data[2 * i] = radius * Math.cos(angle);
    data[2 * i + 1] = radius * Math.sin(angle);
    labels[i] = inside ? 1 : 0;
  }
  return { features: featureMatrix(data, n, 2), labels };
}

/** The known transform that makes {@link rings} linearly separable: (x, y) → (x² + y²). */
export function squaredRadius(m: FeatureMatrix): FeatureMatrix {
  const out = new Float32Array(m.rows);
  for (let i = 0; i < m.rows; i++) out[i] = m.data[2 * i]! ** 2 + m.data[2 * i + 1]! ** 2;
  return featureMatrix(out, m.rows, 1);
}
