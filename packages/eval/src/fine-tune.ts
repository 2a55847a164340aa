/**
 * The fine-tuning protocol over a generic backbone: full attention, a classification head (LayerNorm + linear) on
 * pooled features, AdamW with layer-wise learning-rate decay, label smoothing, linear warm-up + cosine decay,
 * optional mixup; reports test top-1 after every epoch.
 *
 * **Layer-wise LR decay** (BEiT / MAE `param_groups_lrd`): with `numLayers` blocks, parameters are assigned a layer
 * `0` (embeddings: patch embedding, learned positions, tokens) … `i + 1` (block `i`) … `numLayers + 1` (final
 * norm and the classification head), and parameter `p` gets the learning rate
 * `lr · layerDecay^(numLayers + 1 − layerOf(p))` (so the head trains at `lr`, the last block at `lr · layerDecay`,
 * the embeddings at `lr · layerDecay^(numLayers + 1)`). Weight decay is scaled the same way (as a PyTorch param
 * group with its own lr).
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { AdamW, gradientsByPath, Rng, SettingError, tidyData, toVariable, warmupCosine, type TensorTree } from '@darl/tensor-backend';
import { DEFAULT_PIXEL_SCALE, type ImageDataset, type PixelScale } from '@darl/patch-data';
import { classLabels, imageBatch } from './dataset-reads.js';
import { classificationMetrics, type ClassificationMetrics } from './metrics.js';
import { weightedLossSum } from './weighted-loss-sum.js';

/** A backbone that can be fine-tuned: trainable parameters, a layer index per parameter, pooled features. */
export interface FineTuneModel {
  /** Trainable backbone variables. */
  readonly params: TensorTree<tf.Variable>;
  /** Number of blocks. */
  readonly numLayers: number;
  /** Width of the pooled features. */
  readonly featureDim: number;
  /**
   * Layer of a parameter (its path inside `params`): 0 = embeddings, `i + 1` = block `i`, `numLayers + 1` =
   * after the last block (final norm).
   */
  layerOf(path: string): number;
  /**
   * Pooled features with full attention.
   *
   * @param images float32 [B, H, W, C], normalised
   * @returns float32 [B, featureDim]; must be differentiable w.r.t. `params` (called inside the gradient closure)
   */
  forward(images: tf.Tensor4D, opts: { training: boolean; rng?: Rng }): tf.Tensor2D;
}

/** Settings of {@link fineTune}; every field has a default. */
export interface FineTuneConfig {
  /** Epochs (default 10). */
  readonly epochs: number;
  /** Images per step (default 64). */
  readonly batchSize: number;
  /** Peak learning rate of the head (default 1e-3). */
  readonly lr: number;
  /** Layer-wise LR decay factor (default 0.75; 1 disables it). */
  readonly layerDecay: number;
  /** AdamW weight decay (default 0.05; norms, biases, embeddings/positions/tokens excluded by the default mask). */
  readonly weightDecay: number;
  /** Label smoothing ε: targets `(1 − ε)·onehot + ε/K` (default 0.1). */
  readonly labelSmoothing: number;
  /** Linear warm-up in epochs (default 1), then cosine to 0 at the end. */
  readonly warmupEpochs: number;
  /** Mixup α: mix pairs of images and their targets with λ ~ Beta(α, α); 0 disables it (default 0). */
  readonly mixup: number;
  /** Seed of the head initialisation, batch order, mixup and the model's stochasticity (default 0). */
  readonly seed: number;
  /** Pixel normalisation (default `minus-one-one`). */
  readonly scale: PixelScale;
  /** Images per evaluation pass (default 256). */
  readonly evalBatchSize: number;
  /** Test after every this many epochs (default 1); the last epoch is always tested. */
  readonly testEvery: number;
}

/** Defaults of {@link FineTuneConfig}. */
export const DEFAULT_FINE_TUNE: FineTuneConfig = {
  epochs: 10,
  batchSize: 64,
  lr: 1e-3,
  layerDecay: 0.75,
  weightDecay: 0.05,
  labelSmoothing: 0.1,
  warmupEpochs: 1,
  mixup: 0,
  seed: 0,
  scale: DEFAULT_PIXEL_SCALE,
  evalBatchSize: 256,
  testEvery: 1,
};

const positiveInt = (x: number): boolean => Number.isInteger(x) && x >= 1;

/**
 * Checks every numeric setting of a {@link FineTuneConfig} against its range (the one owner of these ranges: the
 * `darl finetune` flags are checked here too). Throws a {@link SettingError} naming the key as `name(key)` spells it
 * (default `fineTune: key`; the CLI passes its flag names).
 */
export function checkFineTuneConfig(config: FineTuneConfig, name: (key: keyof FineTuneConfig) => string = (key) => `fineTune: ${key}`): void {
  const c = config;
  const rules: readonly [keyof FineTuneConfig, boolean, string][] = [
    ['epochs', positiveInt(c.epochs), 'a positive integer'],
    ['batchSize', positiveInt(c.batchSize), 'a positive integer'],
    ['lr', c.lr > 0, '> 0'],
    ['layerDecay', c.layerDecay > 0 && c.layerDecay <= 1, 'in (0, 1]'],
    ['weightDecay', c.weightDecay >= 0, '≥ 0'],
    ['labelSmoothing', c.labelSmoothing >= 0 && c.labelSmoothing < 1, 'in [0, 1)'],
    ['warmupEpochs', c.warmupEpochs >= 0, '≥ 0'],
    ['mixup', c.mixup >= 0, '≥ 0'],
    ['evalBatchSize', positiveInt(c.evalBatchSize), 'a positive integer'],
    ['testEvery', positiveInt(c.testEvery), 'a positive integer'],
  ];
  for (const [key, ok, range] of rules) if (!ok) throw new SettingError(key, `${name(key)} must be ${range}, got ${String(c[key])}.`);
}

/** The classification head: LayerNorm on the pooled features, then a linear layer. Layer `numLayers + 1`. */
export interface ClassificationHead<T extends tf.Tensor = tf.Variable> {
  /** LayerNorm of the pooled features. */
  readonly norm: {
    /** Scale `[C]`, starts at 1. */
    readonly gamma: T;
    /** Shift `[C]`, starts at 0. */
    readonly beta: T;
  };
  /** Classifier weight `[C, K]`. */
  readonly w: T;
  /** Classifier bias `[K]`. */
  readonly b: T;
}

/** One epoch of {@link fineTune}. */
export interface FineTuneEpoch {
  /** Epoch number, from 1. */
  readonly epoch: number;
  /** Mean training loss (with smoothing/mixup targets). */
  readonly trainLoss: number;
  /** Test top-1 after the epoch (absent on epochs that were not tested, see `testEvery`). */
  readonly top1?: number;
  /** Wall-clock seconds of the epoch (training and testing). */
  readonly seconds: number;
}

/** What {@link fineTune} returns (JSON-serialisable). */
export interface FineTuneResult {
  /** One entry per epoch, in order. */
  readonly epochs: FineTuneEpoch[];
  /** Test metrics after the last epoch. */
  readonly test: ClassificationMetrics;
}

/** Creates the head: LN gamma 1, beta 0; weight N(0, 0.01²) truncated at ±2σ; bias 0. */
export function initClassificationHead(featureDim: number, numClasses: number, opts: { seed: number | Rng }): ClassificationHead {
  const rng = typeof opts.seed === 'number' ? new Rng(opts.seed) : opts.seed;
  return {
    norm: { gamma: toVariable(tf.ones([featureDim])), beta: toVariable(tf.zeros([featureDim])) },
    w: toVariable(rng.truncatedNormal([featureDim, numClasses], { std: 0.01 })),
    b: toVariable(tf.zeros([numClasses])),
  };
}

/**
 * Head logits.
 *
 * @param features float32 [B, C]
 * @returns float32 [B, K]; the caller owns it
 */
export function applyClassificationHead(head: ClassificationHead<tf.Tensor>, features: tf.Tensor2D, eps = 1e-6): tf.Tensor2D {
  if (features.rank !== 2 || features.shape[1] !== head.w.shape[0]) {
    throw new Error(`applyClassificationHead: "features" must have shape [B, C=${head.w.shape[0]}], got [${features.shape.join(', ')}].`);
  }
  return tf.tidy(() => {
    const centred = tf.sub(features, tf.mean(features, 1, true));
    const normed = tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(tf.mean(tf.square(centred), 1, true), eps))), head.norm.gamma), head.norm.beta);
    return tf.add(tf.matMul(normed as tf.Tensor2D, head.w as tf.Tensor2D), head.b) as tf.Tensor2D;
  });
}

/**
 * The per-parameter LR multiplier for the tree `{ backbone: model.params, head }` that {@link fineTune} trains:
 * `backbone/<p>` → `layerDecay^(numLayers + 1 − model.layerOf(p))`, `head/…` → 1 (layer numLayers + 1).
 * Throws for a layer outside `0 … numLayers + 1`.
 */
export function layerwiseLrScale(model: Pick<FineTuneModel, 'numLayers' | 'layerOf'>, layerDecay: number): (path: string) => number {
  if (!(layerDecay > 0 && layerDecay <= 1)) throw new Error(`layerwiseLrScale: layerDecay must be in (0, 1], got ${layerDecay}.`);
  const top = model.numLayers + 1;
  return (path) => {
    if (path.startsWith('head/')) return 1;
    if (!path.startsWith('backbone/')) throw new Error(`layerwiseLrScale: unexpected parameter path "${path}"; expected backbone/… or head/….`);
    const inner = path.slice('backbone/'.length);
    const layer = model.layerOf(inner);
    if (!Number.isInteger(layer) || layer < 0 || layer > top) {
      throw new Error(`layerwiseLrScale: model.layerOf("${inner}") returned ${layer}; layers run from 0 (embeddings) to ${top} (after the last block).`);
    }
    return layerDecay ** (top - layer);
  };
}

/**
 * Fine-tunes `model` plus a new classification head on `train`, evaluating on `test` after each epoch. The model's
 * variables are updated in place; the head is created and disposed here.
 */
export async function fineTune(
  model: FineTuneModel,
  data: { train: ImageDataset; test: ImageDataset; numClasses: number },
  config: Partial<FineTuneConfig> = {},
  onEpoch?: (e: FineTuneEpoch) => void,
): Promise<FineTuneResult> {
  const where = 'fineTune';
  const cfg = { ...DEFAULT_FINE_TUNE, ...config };
  checkFineTuneConfig(cfg);
  const k = data.numClasses;
  const trainLabels = classLabels(data.train, `${where} (train)`);
  const testLabels = classLabels(data.test, `${where} (test)`);
  for (const [name, labels] of [['train', trainLabels], ['test', testLabels]] as const) {
    for (const y of labels) if (y >= k) throw new Error(`${where}: a ${name} label is ${y}, outside [0, numClasses=${k}).`);
  }
  const rng = new Rng(cfg.seed);
  const head = initClassificationHead(model.featureDim, k, { seed: rng.fork('head') });
  const tree = { backbone: model.params, head } as unknown as TensorTree<tf.Variable>;
  const optimiser = new AdamW(tree, { weightDecay: cfg.weightDecay, lrScale: layerwiseLrScale(model, cfg.layerDecay) });
  const n = data.train.size;
  const batch = Math.min(n, cfg.batchSize);
  const stepsPerEpoch = Math.ceil(n / batch);
  const warmupSteps = Math.round(cfg.warmupEpochs * stepsPerEpoch);
  const schedule = warmupCosine({ peak: cfg.lr, warmupSteps, totalSteps: Math.max(warmupSteps, cfg.epochs * stepsPerEpoch) });
  const batchRng = rng.fork('batches');
  const mixRng = rng.fork('mixup');
  const modelRng = rng.fork('model');
  const epochs: FineTuneEpoch[] = [];
  let test: ClassificationMetrics | null = null;
  try {
    let step = 0;
    for (let epoch = 0; epoch < cfg.epochs; epoch++) {
      const t0 = performance.now();
      const order = batchRng.permutation(n);
      const losses: tf.Scalar[] = [];
      const sizes: number[] = [];
      for (let s = 0; s < stepsPerEpoch; s++) {
        const idx = order.subarray(s * batch, Math.min(n, (s + 1) * batch));
        const b = idx.length;
        // Targets in float64 on the CPU: smoothing, then mixup with a seeded partner permutation.
        const onehot = new Float32Array(b * k);
        const off = cfg.labelSmoothing / k;
        for (let j = 0; j < b; j++) {
          for (let c = 0; c < k; c++) onehot[j * k + c] = off;
          onehot[j * k + trainLabels[idx[j]!]!]! += 1 - cfg.labelSmoothing;
        }
        const lambda = cfg.mixup > 0 ? mixRng.betaScalar(cfg.mixup, cfg.mixup) : 1;
        const partner = cfg.mixup > 0 ? mixRng.permutation(b) : null;
        const stepRng = modelRng.fork(`step${step}`);
        const lr = schedule(step);
        const loss = tf.tidy(() => {
          let images: tf.Tensor4D = imageBatch(data.train, idx, cfg.scale);
          let targets: tf.Tensor2D = tf.tensor2d(onehot, [b, k]);
          if (partner) {
            const p = tf.tensor1d(partner, 'int32');
            images = tf.add(tf.mul(images, lambda), tf.mul(tf.gather(images, p), 1 - lambda));
            targets = tf.add(tf.mul(targets, lambda), tf.mul(tf.gather(targets, p), 1 - lambda));
          }
          const { loss, grads } = gradientsByPath(tree, () => {
            const logits = applyClassificationHead(head, model.forward(images, { training: true, rng: stepRng }));
            return tf.div(tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)))), b) as tf.Scalar;
          });
          optimiser.step(grads, lr);
          return loss;
        });
        losses.push(loss);
        sizes.push(b);
        step++;
      }
      const lossSum = await weightedLossSum(losses, sizes);
      const tested = (epoch + 1) % cfg.testEvery === 0 || epoch + 1 === cfg.epochs;
      if (tested) test = await evaluateFineTuned(model, head, data.test, testLabels, k, cfg);
      const e: FineTuneEpoch = { epoch: epoch + 1, trainLoss: lossSum / n, ...(tested ? { top1: test!.top1 } : {}), seconds: (performance.now() - t0) / 1000 };
      epochs.push(e);
      onEpoch?.(e);
      await Promise.resolve();
    }
    return { epochs, test: test ?? (await evaluateFineTuned(model, head, data.test, testLabels, k, cfg)) };
  } finally {
    optimiser.dispose();
    for (const t of [head.norm.gamma, head.norm.beta, head.w, head.b]) t.dispose();
  }
}

async function evaluateFineTuned(
  model: FineTuneModel,
  head: ClassificationHead,
  source: ImageDataset,
  labels: Int32Array,
  k: number,
  cfg: FineTuneConfig,
): Promise<ClassificationMetrics> {
  const m = source.size;
  const scores = new Float32Array(m * k);
  for (let start = 0; start < m; start += cfg.evalBatchSize) {
    const end = Math.min(m, start + cfg.evalBatchSize);
    const idx = Int32Array.from({ length: end - start }, (_, j) => start + j);
    const s = (await tidyData(() => applyClassificationHead(head, model.forward(imageBatch(source, idx, cfg.scale), { training: false })))) as Float32Array;
    scores.set(s, start * k);
  }
  return classificationMetrics(scores, labels, k);
}
