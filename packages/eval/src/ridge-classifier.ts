/**
 * A ridge-regression classifier on fixed features (least squares onto one-hot targets, with an intercept; the class
 * is the argmax of the scores), solved in closed form. It is the fast solver of the linear probe: one Gram matrix per
 * feature set, then one float64 Cholesky factorisation per regularisation strength, so a whole grid of strengths costs
 * little more than one, and no iterative optimiser has to converge.
 *
 * Objective (intercept `b` unpenalised, as scikit-learn's `Ridge(fit_intercept=True)`):
 * `min_{W,b} Σ_i ‖y_i − x_i·W − b‖² + α·N·‖W‖²`. The penalty is `α` per training row, so the same `α` means the same
 * trade-off on 2,000 rows and on 60,000 (scikit-learn's `alpha` is `α·N`).
 *
 * Primal or dual, whichever is smaller: with `C ≤ N` columns the `C × C` system `(XcᵀXc + αN·I) W = XcᵀYc`; with
 * `C > N` (wide readouts such as concatenated tokens on few images) the `N × N` system `(XcXcᵀ + αN·I) A = Yc`,
 * `W = XcᵀA` — the same solution. `Xc`, `Yc` are the centred features and targets. The Gram matrix is accumulated
 * in row chunks (float32 matmuls on the backend's fast non-transposed path), so memory beyond the features is one
 * chunk plus the Gram matrix; centring is applied to the Gram matrix afterwards, never to a copy of the features.
 *
 * Cost: `min(N, C)³ / 3` flops per strength in JavaScript float64 plus `N·C·min(N, C)` for the Gram matrix on the
 * backend. At C = 6,272 (49 tokens × 128) on 60,000 rows that is minutes per strength on one core: use few
 * strengths there, or mean/last pooling.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { tidyData } from '@darl/tensor-backend';
import { checkLabels, type FeatureMatrix } from './feature-matrix.js';
import type { LinearClassifier } from './linear-classifier.js';

/** A ridge classifier and the strength it was solved with. */
export interface RidgeClassifier extends LinearClassifier {
  /** Penalty per training row (see the module comment). */
  readonly alpha: number;
}

/** Rows per Gram-matrix chunk. */
const CHUNK = 2048;

/** Raised when the regularised Gram matrix is not positive definite (only with α = 0 on rank-deficient data). */
function notPositiveDefinite(where: string, alpha: number): never {
  throw new Error(`${where}: the regularised Gram matrix is not positive definite at alpha ${alpha}; use an alpha > 0.`);
}

/** Rows `[r0, r1)` of `m` transposed, `[C, r1 − r0]` row-major (tiled for cache). */
function transposeRows(m: FeatureMatrix, r0: number, r1: number): Float32Array {
  const c = m.dim;
  const n = r1 - r0;
  const out = new Float32Array(c * n);
  for (let j0 = 0; j0 < n; j0 += 32) {
    const j1 = Math.min(n, j0 + 32);
    for (let q = 0; q < c; q++) {
      const o = q * n;
      for (let j = j0; j < j1; j++) out[o + j] = m.data[(r0 + j) * c + q]!;
    }
  }
  return out;
}

/** Products `a · bᵢ` of row-major float32 matrices `[m, k]·[k, nᵢ]` on the backend, read together, as float64. */
async function matMuls64(a: Float32Array, m: number, k: number, bs: readonly (readonly [Float32Array, number])[]): Promise<Float64Array[]> {
  const r = await tidyData(() => {
    const left = tf.tensor2d(a, [m, k]);
    return bs.map(([b, n]) => tf.matMul(left, tf.tensor2d(b, [k, n])));
  });
  return r.map((x) => Float64Array.from(x));
}

/** In-place lower Cholesky factor of the symmetric positive definite `a` `[d, d]` (row-major; upper part ignored). */
function cholesky(a: Float64Array, d: number, where: string, alpha: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    const ri = i * d;
    for (let j = 0; j <= i; j++) {
      const rj = j * d;
      let s = a[ri + j]!;
      for (let k = 0; k < j; k++) s -= l[ri + k]! * l[rj + k]!;
      if (i === j) {
        if (!(s > 0)) notPositiveDefinite(where, alpha);
        l[ri + i] = Math.sqrt(s);
      } else {
        l[ri + j] = s / l[rj + j]!;
      }
    }
  }
  return l;
}

/** Solves `L Lᵀ X = B` for `B` `[d, k]` (row-major), returning X. */
function choleskySolve(l: Float64Array, b: Float64Array, d: number, k: number): Float64Array {
  const x = Float64Array.from(b);
  for (let i = 0; i < d; i++) {
    for (let q = 0; q < i; q++) {
      const lv = l[i * d + q]!;
      if (lv !== 0) for (let c = 0; c < k; c++) x[i * k + c]! -= lv * x[q * k + c]!;
    }
    const inv = 1 / l[i * d + i]!;
    for (let c = 0; c < k; c++) x[i * k + c]! *= inv;
  }
  for (let i = d - 1; i >= 0; i--) {
    for (let q = i + 1; q < d; q++) {
      const lv = l[q * d + i]!;
      if (lv !== 0) for (let c = 0; c < k; c++) x[i * k + c]! -= lv * x[q * k + c]!;
    }
    const inv = 1 / l[i * d + i]!;
    for (let c = 0; c < k; c++) x[i * k + c]! *= inv;
  }
  return x;
}

/**
 * Solves the ridge classifier for every strength in `alphas` on the same data (one Gram matrix for all).
 *
 * @param features training rows `[N, C]` (any scale; standardise first for a meaningful `alpha`)
 * @param labels `[N]` classes in [0, numClasses)
 * @param alphas penalties per training row, each ≥ 0 (0 only for full-rank data)
 */
export async function trainRidgeClassifiers(
  features: FeatureMatrix,
  labels: Int32Array,
  numClasses: number,
  alphas: readonly number[],
): Promise<RidgeClassifier[]> {
  const where = 'trainRidgeClassifiers';
  checkLabels(where, features, labels, numClasses);
  const n = features.rows;
  const c = features.dim;
  const k = numClasses;
  if (n < 1) throw new Error(`${where}: no training rows.`);
  if (alphas.length === 0) throw new Error(`${where}: alphas is empty; pass at least one value (e.g. [0.01]).`);
  for (const a of alphas) if (!Number.isFinite(a) || a < 0) throw new Error(`${where}: every alpha must be a finite number ≥ 0, got ${a}.`);

  // Means of the features and of the one-hot targets (class frequencies).
  const xMean = new Float64Array(c);
  for (let i = 0; i < n; i++) for (let q = 0; q < c; q++) xMean[q]! += features.data[i * c + q]!;
  for (let q = 0; q < c; q++) xMean[q]! /= n;
  const yMean = new Float64Array(k);
  for (const y of labels) yMean[y]! += 1 / n;
  const oneHot = (r0: number, r1: number): Float32Array => {
    const out = new Float32Array((r1 - r0) * k);
    for (let i = r0; i < r1; i++) out[(i - r0) * k + labels[i]!] = 1;
    return out;
  };

  const primal = c <= n;
  const d = primal ? c : n;
  // gram: centred XcᵀXc [C, C] (primal) or XcXcᵀ [N, N] (dual); rhs: XcᵀYc [C, K] (primal) or Yc [N, K] (dual).
  let gram: Float64Array;
  let rhs: Float64Array;
  if (primal) {
    gram = new Float64Array(c * c);
    const xty = new Float64Array(c * k);
    for (let r0 = 0; r0 < n; r0 += CHUNK) {
      const r1 = Math.min(n, r0 + CHUNK);
      const xT = transposeRows(features, r0, r1);
      const rows = features.data.subarray(r0 * c, r1 * c);
      const [g, b] = (await matMuls64(xT, c, r1 - r0, [[rows, c], [oneHot(r0, r1), k]])) as [Float64Array, Float64Array];
      for (let i = 0; i < g.length; i++) gram[i]! += g[i]!;
      for (let i = 0; i < b.length; i++) xty[i]! += b[i]!;
    }
    for (let p = 0; p < c; p++) {
      for (let q = 0; q < c; q++) gram[p * c + q]! -= n * xMean[p]! * xMean[q]!;
      for (let j = 0; j < k; j++) xty[p * k + j]! -= n * xMean[p]! * yMean[j]!;
    }
    rhs = xty;
  } else {
    const xT = transposeRows(features, 0, n);
    const raw = (await matMuls64(features.data, n, c, [[xT, n]]))[0]!; // XXᵀ
    const proj = new Float64Array(n); // x_i · x̄
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let q = 0; q < c; q++) s += features.data[i * c + q]! * xMean[q]!;
      proj[i] = s;
    }
    let mm = 0;
    for (let q = 0; q < c; q++) mm += xMean[q]! * xMean[q]!;
    gram = raw;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) gram[i * n + j]! += mm - proj[i]! - proj[j]!;
    rhs = new Float64Array(n * k);
    for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) rhs[i * k + j] = (labels[i] === j ? 1 : 0) - yMean[j]!;
  }

  return alphas.map((alpha) => {
    const a = Float64Array.from(gram);
    for (let i = 0; i < d; i++) a[i * d + i]! += alpha * n;
    const solution = choleskySolve(cholesky(a, d, where, alpha), rhs, d, k);
    let w: Float64Array;
    if (primal) w = solution;
    else {
      // W = Xcᵀ A = Σ_i (x_i − x̄)ᵀ a_i, in float64 (N·C·K flops).
      w = new Float64Array(c * k);
      for (let i = 0; i < n; i++) {
        const row = i * c;
        for (let q = 0; q < c; q++) {
          const xv = features.data[row + q]! - xMean[q]!;
          for (let j = 0; j < k; j++) w[q * k + j]! += xv * solution[i * k + j]!;
        }
      }
    }
    const bias = new Float32Array(k);
    for (let j = 0; j < k; j++) {
      let s = yMean[j]!;
      for (let q = 0; q < c; q++) s -= xMean[q]! * w[q * k + j]!;
      bias[j] = s;
    }
    return { weight: Float32Array.from(w), bias, dim: c, numClasses: k, alpha };
  });
}
