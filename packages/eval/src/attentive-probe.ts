/**
 * The attentive probe (AIM's protocol for autoregressive features): frozen token features of one layer,
 * standardised per channel with training-set statistics, pooled by one multi-head cross-attention layer whose query
 * is a learned vector, then LayerNorm and a linear classifier; trained with AdamW.
 *
 * Per image, with tokens `x [L, C]`, heads `H`, head width `d = C/H`:
 * `k = x·Wk`, `v = x·Wv` (`[L, C]`, no bias, as AIM); per head `a_h = softmax_l(q_h · k_{l,h} / √d)`;
 * `pooled_h = Σ_l a_{l,h} v_{l,h}`; `logits = LN(pooled) · W + b`.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { AdamW, gradientsByPath, Rng, tidyData, toVariable, warmupCosine, type TensorTree } from '@darl/tensor-backend';
import { checkLabels, featureMatrix, type FeatureMatrix } from './feature-matrix.js';
import { featureStatistics, standardizeFeatures, STANDARDIZE_EPS, type FeatureStatistics } from './standardize.js';
import { classificationMetrics, type ClassificationMetrics } from './metrics.js';
import { weightedLossSum } from './weighted-loss-sum.js';

/** Token features of N images: `features` `[N, L·C]` (token-major, as the `concat` readout) with `tokens` = L. */
export interface TokenFeatures {
  /** Token features `[N, L·C]`, token-major (token 0's C channels first). */
  readonly features: FeatureMatrix;
  /** Tokens per image (L). */
  readonly tokens: number;
  /** Class of each image `[N]`. */
  readonly labels: Int32Array;
}

/** Settings of {@link attentiveProbe}; every field has a default. */
export interface AttentiveProbeConfig {
  /** Attention heads (default 4; must divide C). */
  readonly heads: number;
  /** Passes over the training set (default 20). */
  readonly epochs: number;
  /** Images per step (default 256). */
  readonly batchSize: number;
  /** Peak AdamW learning rate (default 1e-3), linear warm-up then cosine to 0. */
  readonly lr: number;
  /** Warm-up length in epochs (default 1). */
  readonly warmupEpochs: number;
  /** AdamW weight decay of Wk, Wv and the classifier weight (default 0.05; query, LayerNorm and bias are not decayed). */
  readonly weightDecay: number;
  /** LayerNorm eps after pooling (default 1e-6). */
  readonly layerNormEps: number;
  /** Seed of the initialisation and batch order (default 0). */
  readonly seed: number;
}

/** Defaults of {@link AttentiveProbeConfig}. */
export const DEFAULT_ATTENTIVE_PROBE: AttentiveProbeConfig = {
  heads: 4,
  epochs: 20,
  batchSize: 256,
  lr: 1e-3,
  warmupEpochs: 1,
  weightDecay: 0.05,
  layerNormEps: 1e-6,
  seed: 0,
};

/** Parameters of the attentive pooling classifier (C channels, K classes). */
export interface AttentiveProbeParams<T extends tf.Tensor = tf.Variable> {
  /** Learned query `[C]` (heads are its consecutive C/H slices). */
  readonly query: T;
  /** Key projection `[C, C]`. */
  readonly wk: T;
  /** Value projection `[C, C]`. */
  readonly wv: T;
  /** LayerNorm of the pooled vector. */
  readonly norm: {
    /** Scale `[C]`, starts at 1. */
    readonly gamma: T;
    /** Shift `[C]`, starts at 0. */
    readonly beta: T;
  };
  /** The linear classifier on the normalised pooled vector. */
  readonly head: {
    /** Weight `[C, K]`. */
    readonly w: T;
    /** Bias `[K]`. */
    readonly b: T;
  };
}

/** What {@link attentiveProbe} returns. */
export interface AttentiveProbeResult {
  /** Metrics of the trained probe on the test tokens. */
  readonly test: ClassificationMetrics;
  /** Mean training loss of each epoch. */
  readonly trainLoss: number[];
}

/** Creates the probe's variables: query, Wk, Wv and the classifier weight N(0, 0.02²) truncated at ±2σ; LN 1/0; bias 0. */
export function initAttentiveProbe(channels: number, numClasses: number, opts: { seed: number | Rng }): AttentiveProbeParams {
  const rng = typeof opts.seed === 'number' ? new Rng(opts.seed) : opts.seed;
  return {
    query: toVariable(rng.truncatedNormal([channels], { std: 0.02 })),
    wk: toVariable(rng.truncatedNormal([channels, channels], { std: 0.02 })),
    wv: toVariable(rng.truncatedNormal([channels, channels], { std: 0.02 })),
    norm: { gamma: toVariable(tf.ones([channels])), beta: toVariable(tf.zeros([channels])) },
    head: { w: toVariable(rng.truncatedNormal([channels, numClasses], { std: 0.02 })), b: toVariable(tf.zeros([numClasses])) },
  };
}

/** `[C, H]` with 1 where channel c belongs to head h (c div C/H = h). */
function headMask(channels: number, heads: number): tf.Tensor2D {
  const d = channels / heads;
  const m = new Float32Array(channels * heads);
  for (let c = 0; c < channels; c++) m[c * heads + Math.floor(c / d)] = 1;
  return tf.tensor2d(m, [channels, heads]);
}

/**
 * Logits of the attentive probe. Every matmul is a plain 2-D one (per-head dot products with the query use a
 * block-diagonal `[C, H]` query matrix), the wasm backend's fast path.
 *
 * @param tokens float32 [B, L, C], standardised
 * @returns float32 [B, K]; the caller owns it
 */
export function applyAttentiveProbe(params: AttentiveProbeParams<tf.Tensor>, tokens: tf.Tensor3D, heads: number, layerNormEps = 1e-6): tf.Tensor2D {
  const [b, l, c] = tokens.shape;
  if (params.query.shape[0] !== c) {
    throw new Error(`applyAttentiveProbe: "tokens" has C=${c} channels per token but the probe was made for ${params.query.shape[0]}.`);
  }
  if (!Number.isInteger(heads) || heads < 1 || c % heads !== 0) {
    throw new Error(`applyAttentiveProbe: heads (${heads}) must divide the channel count C=${c}.`);
  }
  return tf.tidy(() => {
    const mask = headMask(c, heads); // [C, H]
    const x = tf.reshape(tokens, [b * l, c]);
    const k = tf.matMul(x, params.wk as tf.Tensor2D); // [B·L, C]
    const v = tf.matMul(x, params.wv as tf.Tensor2D); // [B·L, C]
    const q = tf.mul(tf.reshape(params.query, [c, 1]), mask); // [C, H] block-diagonal query
    const scores = tf.reshape(tf.mul(tf.matMul(k, q), 1 / Math.sqrt(c / heads)), [b, l, heads]); // [B, L, H]
    const shifted = tf.sub(scores, tf.max(scores, 1, true));
    const e = tf.exp(shifted);
    const attn = tf.div(e, tf.sum(e, 1, true)); // softmax over L, [B, L, H]
    const perChannel = tf.matMul(tf.reshape(attn, [b * l, heads]), tf.transpose(mask)); // [B·L, C]
    const pooled = tf.sum(tf.reshape(tf.mul(perChannel, v), [b, l, c]), 1); // [B, C]
    const centred = tf.sub(pooled, tf.mean(pooled, 1, true));
    const normed = tf.add(
      tf.mul(tf.mul(centred, tf.rsqrt(tf.add(tf.mean(tf.square(centred), 1, true), layerNormEps))), params.norm.gamma),
      params.norm.beta,
    );
    return tf.add(tf.matMul(normed as tf.Tensor2D, params.head.w as tf.Tensor2D), params.head.b) as tf.Tensor2D;
  });
}

/** Per-channel statistics over all tokens of all training images (AIM's BatchNorm over channels). */
function tokenStatistics(train: TokenFeatures, channels: number): FeatureStatistics {
  return featureStatistics(featureMatrix(train.features.data, train.features.rows * train.tokens, channels), STANDARDIZE_EPS);
}

function standardiseTokens(t: TokenFeatures, channels: number, stats: FeatureStatistics): Float32Array {
  return standardizeFeatures(featureMatrix(t.features.data, t.features.rows * t.tokens, channels), stats).data;
}

/**
 * Trains the attentive probe on `train` and scores `test`.
 *
 * @param train token features `[N, L·C]` with `tokens` = L, labels `[N]`
 * @param test token features `[M, L·C]`, labels `[M]`
 */
export async function attentiveProbe(
  train: TokenFeatures,
  test: TokenFeatures,
  numClasses: number,
  config: Partial<AttentiveProbeConfig> = {},
): Promise<AttentiveProbeResult> {
  const where = 'attentiveProbe';
  const cfg = { ...DEFAULT_ATTENTIVE_PROBE, ...config };
  checkLabels(`${where} (train)`, train.features, train.labels, numClasses);
  checkLabels(`${where} (test)`, test.features, test.labels, numClasses);
  const l = train.tokens;
  if (!Number.isInteger(l) || l < 1 || train.features.dim % l !== 0) {
    throw new Error(`${where}: train rows have ${train.features.dim} values, not a multiple of tokens=${l}; pass the concat readout and its token count.`);
  }
  const c = train.features.dim / l;
  if (test.tokens !== l || test.features.dim !== train.features.dim) {
    throw new Error(`${where}: test features are [M, ${test.features.dim}] with ${test.tokens} tokens but train features [N, ${train.features.dim}] with ${l}; use the same layer.`);
  }
  if (c % cfg.heads !== 0) throw new Error(`${where}: heads (${cfg.heads}) must divide the channel count C=${c}.`);
  const n = train.features.rows;
  const stats = tokenStatistics(train, c);
  const xTrain = standardiseTokens(train, c, stats);
  const xTest = standardiseTokens(test, c, stats);
  const rng = new Rng(cfg.seed);
  const params = initAttentiveProbe(c, numClasses, { seed: rng.fork('init') });
  const batchRng = rng.fork('batches');
  const batch = Math.min(n, cfg.batchSize);
  const stepsPerEpoch = Math.ceil(n / batch);
  const schedule = warmupCosine({
    peak: cfg.lr,
    warmupSteps: Math.round(cfg.warmupEpochs * stepsPerEpoch),
    totalSteps: Math.max(Math.round(cfg.warmupEpochs * stepsPerEpoch), cfg.epochs * stepsPerEpoch),
  });
  const optimiser = new AdamW(params as unknown as TensorTree<tf.Variable>, { weightDecay: cfg.weightDecay });
  const per = l * c;
  const gatherRows = (src: Float32Array, idx: ArrayLike<number>): tf.Tensor3D => {
    const out = new Float32Array(idx.length * per);
    for (let j = 0; j < idx.length; j++) out.set(src.subarray(idx[j]! * per, (idx[j]! + 1) * per), j * per);
    return tf.tensor3d(out, [idx.length, l, c]);
  };
  const trainLoss: number[] = [];
  try {
    let step = 0;
    for (let epoch = 0; epoch < cfg.epochs; epoch++) {
      const order = batchRng.permutation(n);
      const losses: tf.Scalar[] = [];
      const sizes: number[] = [];
      for (let s = 0; s < stepsPerEpoch; s++) {
        const idx = order.subarray(s * batch, Math.min(n, (s + 1) * batch));
        const lossValue = tf.tidy(() => {
          const xb = gatherRows(xTrain, idx);
          const yb = tf.cast(tf.oneHot(tf.tensor1d(Int32Array.from(idx, (i) => train.labels[i]!), 'int32'), numClasses), 'float32');
          const { loss, grads } = gradientsByPath(params as unknown as TensorTree<tf.Variable>, () => {
            const logp = tf.logSoftmax(applyAttentiveProbe(params, xb, cfg.heads, cfg.layerNormEps));
            return tf.div(tf.neg(tf.sum(tf.mul(yb, logp))), idx.length) as tf.Scalar;
          });
          optimiser.step(grads, schedule(step));
          return loss;
        });
        step++;
        losses.push(lossValue);
        sizes.push(idx.length);
      }
      trainLoss.push((await weightedLossSum(losses, sizes)) / n);
    }
    const m = test.features.rows;
    const scores = new Float32Array(m * numClasses);
    for (let start = 0; start < m; start += cfg.batchSize) {
      const end = Math.min(m, start + cfg.batchSize);
      const idx = Int32Array.from({ length: end - start }, (_, j) => start + j);
      const s = (await tidyData(() => applyAttentiveProbe(params, gatherRows(xTest, idx), cfg.heads, cfg.layerNormEps))) as Float32Array;
      scores.set(s, start * numClasses);
    }
    return { test: classificationMetrics(scores, test.labels, numClasses), trainLoss };
  } finally {
    optimiser.dispose();
    for (const t of [params.query, params.wk, params.wv, params.norm.gamma, params.norm.beta, params.head.w, params.head.b]) t.dispose();
  }
}
