/**
 * A linear classifier on fixed features (whatever solver trained it) and its scores.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { tidyData } from '@darl/tensor-backend';
import type { FeatureMatrix } from './feature-matrix.js';

/** A trained linear classifier: scores = x · weight + bias. */
export interface LinearClassifier {
  /** Row-major `[C, K]`. */
  readonly weight: Float32Array;
  /** `[K]`. */
  readonly bias: Float32Array;
  /** Input width C. */
  readonly dim: number;
  /** Classes K. */
  readonly numClasses: number;
}

/**
 * Scores of a trained classifier.
 *
 * @param features `[N, C]`, standardised like the training rows
 * @returns row-major logits `[N, K]`
 */
export async function classifierScores(features: FeatureMatrix, classifier: LinearClassifier): Promise<Float32Array> {
  if (features.dim !== classifier.dim) {
    throw new Error(`classifierScores: the classifier takes ${classifier.dim} features per row, got ${features.dim}.`);
  }
  if (features.rows === 0) return new Float32Array(0);
  return (await tidyData(() => {
    const x = tf.tensor2d(features.data, [features.rows, features.dim]);
    const w = tf.tensor2d(classifier.weight, [classifier.dim, classifier.numClasses]);
    return tf.add(tf.matMul(x, w), tf.tensor1d(classifier.bias));
  })) as Float32Array;
}
