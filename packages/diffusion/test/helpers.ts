/**
 * Helpers shared by this package's tests (not exported from the package).
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { flattenTree, type Rng, type TensorTree } from '@darl/tensor-backend';

/** Overwrites every variable of a tree with N(0, std²) values, so zero-initialised paths become active. */
export function randomiseParams(params: TensorTree<tf.Variable>, rng: Rng, std = 0.3): void {
  for (const [, v] of flattenTree(params)) {
    const r = rng.normal(v.shape, { std });
    v.assign(r);
    r.dispose();
  }
}

/** Largest |a − b| between two tensors, as a number. */
export function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}
