/**
 * k-nearest-neighbour classification on frozen features (the DINO / InstDisc protocol): cosine similarity between
 * L2-normalised features, the k most similar training rows vote for their class with weight `exp(sim / τ)`.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { tidyData } from '@darl/tensor-backend';
import { checkLabels, type FeatureMatrix } from './feature-matrix.js';
import { classificationMetrics, type ClassificationMetrics } from './metrics.js';
import type { LabelledFeatures } from './linear-probe.js';

/** Settings of {@link knnScores}. */
export interface KnnConfig {
  /** Neighbours that vote (default 20; capped at the training-set size). */
  readonly k: number;
  /** Vote temperature τ in `exp(sim / τ)` (default 0.07). */
  readonly temperature: number;
  /** Queries per similarity matmul (default 256). */
  readonly batchSize: number;
}

/** Defaults of {@link KnnConfig}. */
export const DEFAULT_KNN: KnnConfig = { k: 20, temperature: 0.07, batchSize: 256 };

function normalisedRows(m: FeatureMatrix): Float32Array {
  const out = new Float32Array(m.data.length);
  for (let i = 0; i < m.rows; i++) {
    const o = i * m.dim;
    let sq = 0;
    for (let c = 0; c < m.dim; c++) sq += m.data[o + c]! ** 2;
    const inv = 1 / Math.max(Math.sqrt(sq), 1e-12);
    for (let c = 0; c < m.dim; c++) out[o + c] = m.data[o + c]! * inv;
  }
  return out;
}

/**
 * Weighted kNN votes per class.
 *
 * @param train training features `[N, C]` and labels `[N]`
 * @param queries features `[M, C]`
 * @returns row-major vote sums `[M, K]` (use with {@link classificationMetrics})
 */
export async function knnScores(
  train: LabelledFeatures,
  queries: FeatureMatrix,
  numClasses: number,
  config: Partial<KnnConfig> = {},
): Promise<Float32Array> {
  const where = 'knnScores';
  const cfg = { ...DEFAULT_KNN, ...config };
  checkLabels(where, train.features, train.labels, numClasses);
  if (queries.dim !== train.features.dim) {
    throw new Error(`${where}: queries have ${queries.dim} features per row but the training set has ${train.features.dim}; use the same readout.`);
  }
  if (!Number.isInteger(cfg.k) || cfg.k < 1) throw new Error(`${where}: k must be a positive integer, got ${cfg.k}.`);
  if (!(cfg.temperature > 0)) throw new Error(`${where}: temperature must be > 0, got ${cfg.temperature}.`);
  const n = train.features.rows;
  const c = train.features.dim;
  const k = Math.min(cfg.k, n);
  const scores = new Float32Array(queries.rows * numClasses);
  if (queries.rows === 0 || n === 0) return scores;
  // Training rows normalised and stored transposed [C, N], so each batch is a plain non-transposed 2-D matmul.
  const rowsN = normalisedRows(train.features);
  const transposed = new Float32Array(c * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) transposed[j * n + i] = rowsN[i * c + j]!;
  const bank = tf.tensor2d(transposed, [c, n]);
  const q = normalisedRows(queries);
  try {
    for (let start = 0; start < queries.rows; start += cfg.batchSize) {
      const end = Math.min(queries.rows, start + cfg.batchSize);
      const [values, indices] = (await tidyData(() => {
        const sims = tf.matMul(tf.tensor2d(q.subarray(start * c, end * c), [end - start, c]), bank);
        const top = tf.topk(sims, k, true);
        return [top.values, top.indices];
      })) as [Float32Array, Int32Array];
      for (let r = 0; r < end - start; r++) {
        const o = (start + r) * numClasses;
        for (let j = 0; j < k; j++) {
          scores[o + train.labels[indices[r * k + j]!]!]! += Math.exp(values[r * k + j]! / cfg.temperature);
        }
      }
    }
  } finally {
    bank.dispose();
  }
  return scores;
}

/** kNN top-1 / top-5 / per-class metrics of `test` against `train`. */
export async function knnEvaluate(
  train: LabelledFeatures,
  test: LabelledFeatures,
  numClasses: number,
  config: Partial<KnnConfig> = {},
): Promise<ClassificationMetrics> {
  checkLabels('knnEvaluate (test)', test.features, test.labels, numClasses);
  return classificationMetrics(await knnScores(train, test.features, numClasses, config), test.labels, numClasses);
}
