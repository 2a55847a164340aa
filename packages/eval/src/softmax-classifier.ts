/**
 * A softmax (multinomial logistic regression) classifier on fixed features, trained with AdamW. Several weight
 * decays are trained side by side in one pass over the data (one matmul against all their weights), which is what
 * makes the weight-decay grid of the linear probe cheap.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { AdamW, gradientsByPath, Rng, warmupCosine } from '@darl/tensor-backend';
import { checkLabels, type FeatureMatrix } from './feature-matrix.js';
import type { LinearClassifier } from './linear-classifier.js';

function zerosVariable(shape: number[]): tf.Variable {
  const z = tf.zeros(shape);
  const v = tf.variable(z, true);
  z.dispose();
  return v;
}

/**
 * `x · w` for a constant input `x` `[N, C]` and a weight `w` `[C, M]`, whose gradient `xᵀ · dy` uses the given
 * explicit transpose `xT` `[C, N]`: a plain non-transposed 2-D matmul, the fast path of the wasm backend (a
 * transposed matmul falls back to a scalar loop there). No gradient flows to `x`.
 */
function constantInputMatMul(x: tf.Tensor2D, xT: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const weight = args[0] as tf.Tensor2D;
    return { value: tf.matMul(x, weight), gradFunc: (dy: tf.Tensor | tf.Tensor[]) => [tf.matMul(xT, dy as tf.Tensor2D)] };
  });
  return f(w) as tf.Tensor2D;
}

/** Training settings of {@link trainSoftmaxClassifiers}. */
export interface SoftmaxTrainingConfig {
  /**
   * AdamW steps (default 300). The problem is convex and the features standardised, so a fixed number of steps
   * with a large learning rate converges regardless of the data-set size; an epoch count would not.
   */
  readonly steps: number;
  /**
   * Rows per step (default 4096): a seeded stream of permutations of the training rows (each epoch a new
   * permutation); a training set of at most this many rows is used whole (full-batch) at every step.
   */
  readonly batchSize: number;
  /** Peak AdamW learning rate (default 0.1), reached after `warmupSteps` and cosine-decayed to 0. */
  readonly lr: number;
  /** Linear warm-up steps (default 10). */
  readonly warmupSteps: number;
  /** Seed of the batch order (default 0). */
  readonly seed: number;
}

/** Defaults of {@link SoftmaxTrainingConfig}. */
export const DEFAULT_SOFTMAX_TRAINING: SoftmaxTrainingConfig = { steps: 300, batchSize: 4096, lr: 0.1, warmupSteps: 10, seed: 0 };

/** A softmax classifier and the AdamW weight decay it was trained with. */
export interface SoftmaxClassifier extends LinearClassifier {
  /** AdamW weight decay it was trained with. */
  readonly weightDecay: number;
}

/**
 * Trains one softmax classifier per entry of `weightDecays` on the same data and the same batch order (weights
 * start at zero; the loss is cross-entropy; the weight matrix is decayed, the bias is not).
 *
 * @param features training rows `[N, C]` (standardise them first)
 * @param labels `[N]` classes in [0, numClasses)
 */
export async function trainSoftmaxClassifiers(
  features: FeatureMatrix,
  labels: Int32Array,
  numClasses: number,
  weightDecays: readonly number[],
  config: Partial<SoftmaxTrainingConfig> = {},
): Promise<SoftmaxClassifier[]> {
  const where = 'trainSoftmaxClassifiers';
  const cfg = { ...DEFAULT_SOFTMAX_TRAINING, ...config };
  checkLabels(where, features, labels, numClasses);
  if (features.rows < 1) throw new Error(`${where}: no training rows.`);
  if (weightDecays.length === 0) throw new Error(`${where}: weightDecays is empty; pass at least one value (e.g. [0]).`);
  if (!Number.isInteger(cfg.steps) || cfg.steps < 1) throw new Error(`${where}: steps must be a positive integer, got ${cfg.steps}.`);
  if (!Number.isInteger(cfg.batchSize) || cfg.batchSize < 1) throw new Error(`${where}: batchSize must be a positive integer, got ${cfg.batchSize}.`);
  const n = features.rows;
  const c = features.dim;
  const k = numClasses;
  const g = weightDecays.length;
  const batch = Math.min(n, cfg.batchSize);
  const schedule = warmupCosine({ peak: cfg.lr, warmupSteps: Math.min(cfg.warmupSteps, cfg.steps - 1), totalSteps: cfg.steps });

  // Full-batch training keeps the rows, one explicit transpose (see constantInputMatMul) and the targets resident.
  const full = batch === n;
  const x = full ? tf.tensor2d(features.data, [n, c]) : null;
  const xT = x ? tf.transpose(x) : null;
  const y = full ? (tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), k), 'float32')) as tf.Tensor2D) : null;
  const params = weightDecays.map((_, i) => ({
    [`g${i}`]: { weight: zerosVariable([c, k]), bias: zerosVariable([k]) },
  }));
  const optimisers = weightDecays.map((wd, i) => new AdamW(params[i]!, { weightDecay: wd, decay: (path) => path.endsWith('/weight') }));
  const tree = Object.assign({}, ...params) as Record<string, { weight: tf.Variable; bias: tf.Variable }>;
  const rng = new Rng(cfg.seed).fork('softmax-batches');
  try {
    let order: Int32Array | null = null;
    let cursor = n;
    const nextBatch = (): Int32Array => {
      const out = new Int32Array(batch);
      for (let j = 0; j < batch; j++) {
        if (cursor === n) {
          order = rng.permutation(n);
          cursor = 0;
        }
        out[j] = order![cursor++]!;
      }
      return out;
    };
    for (let step = 0; step < cfg.steps; step++) {
      const lr = schedule(step);
      const rowsIdx = batch === n ? null : nextBatch();
      tf.tidy(() => {
        let xb = x!;
        let xTransposed = xT!;
        let yb = y!;
        if (rowsIdx) {
          // The batch and its transpose are assembled on the CPU: cheaper than gather + transpose kernels.
          const rowsData = new Float32Array(batch * c);
          const colsData = new Float32Array(c * batch);
          const labelsBatch = new Int32Array(batch);
          for (let j = 0; j < batch; j++) {
            const r = rowsIdx[j]!;
            rowsData.set(features.data.subarray(r * c, (r + 1) * c), j * c);
            labelsBatch[j] = labels[r]!;
          }
          // Tiled transpose (32 rows at a time keeps the reads in cache).
          for (let j0 = 0; j0 < batch; j0 += 32) {
            const j1 = Math.min(batch, j0 + 32);
            for (let q = 0; q < c; q++) {
              const o = q * batch;
              for (let j = j0; j < j1; j++) colsData[o + j] = rowsData[j * c + q]!;
            }
          }
          xb = tf.tensor2d(rowsData, [batch, c]);
          xTransposed = tf.tensor2d(colsData, [c, batch]);
          yb = tf.cast(tf.oneHot(tf.tensor1d(labelsBatch, 'int32'), k), 'float32') as tf.Tensor2D;
        }
        const rows = xb.shape[0];
        const { grads } = gradientsByPath(tree, () => {
          const w: tf.Tensor2D = g === 1 ? (tree.g0!.weight as tf.Tensor2D) : tf.concat(weightDecays.map((_, i) => tree[`g${i}`]!.weight as tf.Tensor2D), 1);
          const b = g === 1 ? tree.g0!.bias : tf.concat(weightDecays.map((_, i) => tree[`g${i}`]!.bias), 0);
          const logits = tf.reshape(tf.add(constantInputMatMul(xb, xTransposed, w), b), [rows, g, k]);
          const logp = tf.logSoftmax(logits);
          const target = tf.reshape(yb, [rows, 1, k]);
          return tf.div(tf.neg(tf.sum(tf.mul(target, logp))), rows) as tf.Scalar;
        });
        optimisers.forEach((o, i) => {
          const p = `g${i}`;
          o.step({ [`${p}/weight`]: grads[`${p}/weight`]!, [`${p}/bias`]: grads[`${p}/bias`]! }, lr);
        });
      });
    }
    const read = await Promise.all(weightDecays.flatMap((_, i) => [tree[`g${i}`]!.weight.data(), tree[`g${i}`]!.bias.data()]));
    return weightDecays.map((wd, i) => ({
      weight: read[2 * i] as Float32Array,
      bias: read[2 * i + 1] as Float32Array,
      dim: c,
      numClasses: k,
      weightDecay: wd,
    }));
  } finally {
    x?.dispose();
    xT?.dispose();
    y?.dispose();
    for (const o of optimisers) o.dispose();
    for (const p of params) for (const v of Object.values(p)) {
      v.weight.dispose();
      v.bias.dispose();
    }
  }
}
