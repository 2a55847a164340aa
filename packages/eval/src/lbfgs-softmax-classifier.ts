/**
 * Multinomial logistic regression (softmax classifier) on fixed features, fitted full-batch by L-BFGS: the same
 * model and loss as scikit-learn's `LogisticRegression(multi_class='multinomial', solver='lbfgs')`, and the default
 * solver of the linear probe. Unlike a fixed number of stochastic optimiser steps it converges to the optimum of
 * the convex objective, and unlike least squares (ridge) it does not mask classes that lie between others.
 *
 * Objective (intercept unpenalised): `mean_i −log softmax(x_i·W + b)[y_i] + (l2 / 2)·‖W‖²`. scikit-learn's `C`
 * corresponds to `l2 = 1 / (C·N)`.
 *
 * Each function evaluation is two float32 matmuls on the backend (`X·W` and `Xᵀ·(P − Y)`, with `Xᵀ` held explicitly
 * so both take the fast non-transposed path) and the softmax in JavaScript float64; the L-BFGS recursion (history
 * 10) and the backtracking line search run in float64. Successive strengths warm-start from the previous solution
 * (pass the grid from strong to weak for the fastest path; any order gives the same optima).
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { tidyData } from '@darl/tensor-backend';
import { checkLabels, type FeatureMatrix } from './feature-matrix.js';
import type { LinearClassifier } from './linear-classifier.js';

/** A softmax classifier fitted by L-BFGS and its L2 strength. */
export interface LbfgsSoftmaxClassifier extends LinearClassifier {
  /** L2 strength of the fit (the penalty `l2 · ‖W‖²`). */
  readonly l2: number;
  /** L-BFGS iterations used. */
  readonly iterations: number;
}

/** Stopping rule of {@link trainLbfgsSoftmaxClassifiers}. */
export interface LbfgsConfig {
  /** Iteration cap per strength (default 100, scikit-learn's `max_iter`). */
  readonly maxIterations: number;
  /** Stop when the gradient's max-abs entry falls below this (default 1e-4, scikit-learn's `tol`). */
  readonly tolerance: number;
}

/** Defaults of {@link LbfgsConfig}: scikit-learn's LogisticRegression defaults. */
export const DEFAULT_LBFGS: LbfgsConfig = { maxIterations: 100, tolerance: 1e-4 };

const HISTORY = 10;

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Fits one classifier per entry of `l2s` (each ≥ 0; 0 only for non-separable data).
 *
 * @param features training rows `[N, C]` (standardise them first)
 * @param labels `[N]` classes in [0, numClasses)
 */
export async function trainLbfgsSoftmaxClassifiers(
  features: FeatureMatrix,
  labels: Int32Array,
  numClasses: number,
  l2s: readonly number[],
  config: Partial<LbfgsConfig> = {},
): Promise<LbfgsSoftmaxClassifier[]> {
  const where = 'trainLbfgsSoftmaxClassifiers';
  const cfg = { ...DEFAULT_LBFGS, ...config };
  checkLabels(where, features, labels, numClasses);
  const n = features.rows;
  const c = features.dim;
  const k = numClasses;
  if (n < 1) throw new Error(`${where}: no training rows.`);
  if (l2s.length === 0) throw new Error(`${where}: l2s is empty; pass at least one value (e.g. [1e-4]).`);
  for (const l of l2s) if (!Number.isFinite(l) || l < 0) throw new Error(`${where}: every l2 must be a finite number ≥ 0, got ${l}.`);
  const nw = c * k;
  const x = tf.tensor2d(features.data, [n, c]);
  const xT = tf.transpose(x);
  const probs = new Float64Array(n * k);
  const grad = new Float64Array(nw + k);

  /** Loss and gradient (written to `g`) at θ = [W (C×K row-major), b (K)]. */
  const evaluate = async (theta: Float64Array, l2: number, g: Float64Array): Promise<number> => {
    const logits = (await tidyData(() => {
      const w = tf.tensor2d(Float32Array.from(theta.subarray(0, nw)), [c, k]);
      return tf.add(tf.matMul(x, w), tf.tensor1d(Float32Array.from(theta.subarray(nw))));
    })) as Float32Array;
    let loss = 0;
    const residual = new Float32Array(n * k); // (P − Y) / N
    g.fill(0, nw);
    for (let i = 0; i < n; i++) {
      const o = i * k;
      let max = -Infinity;
      for (let j = 0; j < k; j++) max = Math.max(max, logits[o + j]!);
      let z = 0;
      for (let j = 0; j < k; j++) z += (probs[o + j] = Math.exp(logits[o + j]! - max));
      const y = labels[i]!;
      loss -= logits[o + y]! - max - Math.log(z);
      for (let j = 0; j < k; j++) {
        const r = (probs[o + j]! / z - (j === y ? 1 : 0)) / n;
        residual[o + j] = r;
        g[nw + j]! += r;
      }
    }
    const gw = (await tidyData(() => tf.matMul(xT, tf.tensor2d(residual, [n, k])))) as Float32Array;
    let penalty = 0;
    for (let i = 0; i < nw; i++) {
      g[i] = gw[i]! + l2 * theta[i]!;
      penalty += theta[i]! * theta[i]!;
    }
    return loss / n + 0.5 * l2 * penalty;
  };

  try {
    const theta = new Float64Array(nw + k);
    const out: LbfgsSoftmaxClassifier[] = [];
    for (const l2 of l2s) {
      let f = await evaluate(theta, l2, grad);
      const s: Float64Array[] = [];
      const yv: Float64Array[] = [];
      const rho: number[] = [];
      let iterations = 0;
      const maxAbs = (v: Float64Array): number => v.reduce((m, e) => Math.max(m, Math.abs(e)), 0);
      while (iterations < cfg.maxIterations && maxAbs(grad) > cfg.tolerance) {
        iterations++;
        // Two-loop recursion: direction = −H·grad.
        const q = Float64Array.from(grad);
        const alpha: number[] = [];
        for (let i = s.length - 1; i >= 0; i--) {
          const a = rho[i]! * dot(s[i]!, q);
          alpha[i] = a;
          for (let j = 0; j < q.length; j++) q[j]! -= a * yv[i]![j]!;
        }
        const gamma = s.length ? dot(s[s.length - 1]!, yv[yv.length - 1]!) / dot(yv[yv.length - 1]!, yv[yv.length - 1]!) : 1 / Math.max(1, maxAbs(grad));
        for (let j = 0; j < q.length; j++) q[j]! *= gamma;
        for (let i = 0; i < s.length; i++) {
          const b = rho[i]! * dot(yv[i]!, q);
          for (let j = 0; j < q.length; j++) q[j]! += (alpha[i]! - b) * s[i]![j]!;
        }
        for (let j = 0; j < q.length; j++) q[j] = -q[j]!;
        let slope = dot(grad, q);
        if (!(slope < 0)) {
          // Not a descent direction (numerical trouble): restart from steepest descent.
          s.length = yv.length = rho.length = 0;
          for (let j = 0; j < q.length; j++) q[j] = -grad[j]! / Math.max(1, maxAbs(grad));
          slope = dot(grad, q);
        }
        // Backtracking line search (Armijo, c = 1e-4).
        let step = 1;
        const next = new Float64Array(theta.length);
        const nextGrad = new Float64Array(theta.length);
        let fNext = Infinity;
        for (let tries = 0; tries < 30; tries++) {
          for (let j = 0; j < theta.length; j++) next[j] = theta[j]! + step * q[j]!;
          fNext = await evaluate(next, l2, nextGrad);
          if (fNext <= f + 1e-4 * step * slope) break;
          step *= 0.5;
        }
        if (!(fNext < f)) break; // no further decrease at float32 precision
        const sk = new Float64Array(theta.length);
        const yk = new Float64Array(theta.length);
        for (let j = 0; j < theta.length; j++) {
          sk[j] = next[j]! - theta[j]!;
          yk[j] = nextGrad[j]! - grad[j]!;
        }
        const sy = dot(sk, yk);
        if (sy > 1e-12) {
          s.push(sk);
          yv.push(yk);
          rho.push(1 / sy);
          if (s.length > HISTORY) {
            s.shift();
            yv.shift();
            rho.shift();
          }
        }
        theta.set(next);
        grad.set(nextGrad);
        f = fNext;
      }
      out.push({ weight: Float32Array.from(theta.subarray(0, nw)), bias: Float32Array.from(theta.subarray(nw)), dim: c, numClasses: k, l2, iterations });
    }
    return out;
  } finally {
    x.dispose();
    xT.dispose();
  }
}
