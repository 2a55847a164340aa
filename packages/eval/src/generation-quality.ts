/**
 * Generation quality measured, not only shown: a small classifier trained at run time on the user's own labelled
 * data (nothing downloaded), then, for a set of generated images, its confidence and class spread and the Fréchet
 * distance between its hidden features of the generated images and of held-out real images (an FID over a
 * domain-specific network). A second held-out half gives the distance between two real samples of the same size:
 * the floor a perfect generator would reach at that sample size.
 *
 * The classifier is an MLP on flattened pixels, `[H·W·C] → hidden (ReLU) → K`, trained with AdamW; its hidden layer
 * is the feature space. It is deliberately small (seconds per epoch on one core) and is not the model under test.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { AdamW, gradientsByPath, Rng, tidyData, type TensorTree } from '@darl/tensor-backend';
import { featureMatrix } from './feature-matrix.js';
import { frechetDistance, gaussianStatistics } from './frechet-distance.js';
import { DEFAULT_PIXEL_SCALE, type ImageDataset, type PixelScale } from '@darl/patch-data';
import { classLabels, imageBatch } from './dataset-reads.js';
import { top1Accuracy } from './metrics.js';

/** Settings of {@link trainQualityClassifier}; every field has a default. */
export interface QualityClassifierConfig {
  /** Hidden width, also the feature width of the Fréchet distance (default 128). */
  readonly hidden: number;
  /** Passes over the training images (default 2). */
  readonly epochs: number;
  /** Images per training step (default 128). */
  readonly batchSize: number;
  /** AdamW learning rate (default 2e-3). */
  readonly lr: number;
  /** Seed of the initialisation and the data order (default 0). */
  readonly seed: number;
  /** Pixel normalisation, the same as the generator's images (default `minus-one-one`). */
  readonly scale: PixelScale;
}

/** Defaults of {@link QualityClassifierConfig}. */
export const DEFAULT_QUALITY_CLASSIFIER: QualityClassifierConfig = { hidden: 128, epochs: 2, batchSize: 128, lr: 2e-3, seed: 0, scale: DEFAULT_PIXEL_SCALE };

/** A trained quality classifier (its variables are owned by it: call `dispose`). */
export interface QualityClassifier {
  /** Classes K it was trained on. */
  readonly numClasses: number;
  /** Input width H·W·C. */
  readonly inputDim: number;
  /** The settings it was trained with. */
  readonly config: QualityClassifierConfig;
  /** Seconds spent training. */
  readonly seconds: number;
  /**
   * Hidden features and class probabilities of a batch, read with `await data()`.
   * @param images float32 [B, H, W, C], scaled like `config.scale`; not disposed
   * @returns `features` [B, hidden] and `probs` [B, K] as Float32Arrays
   */
  evaluate(images: tf.Tensor4D): Promise<{
    /** Hidden features `[B, hidden]`, row-major. */
    features: Float32Array;
    /** Class probabilities `[B, K]`, row-major. */
    probs: Float32Array;
  }>;
  /** Frees the classifier's variables. */
  dispose(): void;
}

type Params = { w1: tf.Variable; b1: tf.Variable; w2: tf.Variable; b2: tf.Variable };

function forward(p: Params, images: tf.Tensor4D): { hidden: tf.Tensor2D; logits: tf.Tensor2D } {
  const x = tf.reshape(images, [images.shape[0], -1]) as tf.Tensor2D;
  const hidden = tf.relu(tf.add(tf.matMul(x, p.w1), p.b1)) as tf.Tensor2D;
  return { hidden, logits: tf.add(tf.matMul(hidden, p.w2), p.b2) as tf.Tensor2D };
}

/** Trains the quality classifier on every labelled image of `train`. */
export function trainQualityClassifier(train: ImageDataset, numClasses: number, config: Partial<QualityClassifierConfig> = {}): QualityClassifier {
  const cfg = { ...DEFAULT_QUALITY_CLASSIFIER, ...config };
  const t0 = performance.now();
  const labels = classLabels(train, 'trainQualityClassifier');
  const inputDim = train.height * train.width * train.channels;
  const rng = new Rng(cfg.seed).fork('quality-classifier');
  const init = (shape: number[], std: number): tf.Variable => {
    const t = rng.normal(shape, { std });
    const v = tf.variable(t, true);
    t.dispose();
    return v;
  };
  const zeros = (n: number): tf.Variable => {
    const z = tf.zeros([n]);
    const v = tf.variable(z, true);
    z.dispose();
    return v;
  };
  const params: Params = { w1: init([inputDim, cfg.hidden], Math.sqrt(2 / inputDim)), b1: zeros(cfg.hidden), w2: init([cfg.hidden, numClasses], Math.sqrt(1 / cfg.hidden)), b2: zeros(numClasses) };
  const tree = params as unknown as TensorTree<tf.Variable>;
  const opt = new AdamW(tree, { weightDecay: 1e-4 });
  try {
    const steps = Math.max(1, Math.floor((cfg.epochs * train.size) / cfg.batchSize));
    let order = rng.permutation(train.size);
    let cursor = 0;
    for (let s = 0; s < steps; s++) {
      if (cursor + cfg.batchSize > train.size) {
        order = rng.permutation(train.size);
        cursor = 0;
      }
      const idx = order.subarray(cursor, cursor + Math.min(cfg.batchSize, train.size));
      cursor += idx.length;
      const images = imageBatch(train, idx, cfg.scale);
      const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Int32Array.from(idx, (i) => labels[i]!), 'int32'), numClasses), 'float32'));
      const lr = cfg.lr * 0.5 * (1 + Math.cos((Math.PI * s) / steps));
      tf.tidy(() => {
        const { grads } = gradientsByPath(tree, () => tf.losses.softmaxCrossEntropy(y, forward(params, images).logits) as tf.Scalar);
        opt.step(grads, lr);
      });
      images.dispose();
      y.dispose();
    }
  } finally {
    opt.dispose();
  }
  return {
    numClasses,
    inputDim,
    config: cfg,
    seconds: (performance.now() - t0) / 1000,
    async evaluate(images) {
      const [features, probs] = (await tidyData(() => {
        const { hidden, logits } = forward(params, images);
        return [hidden, tf.softmax(logits)];
      })) as [Float32Array, Float32Array];
      return { features, probs };
    },
    dispose() {
      for (const v of Object.values(params)) v.dispose();
    },
  };
}

/** Features and probabilities of every image of a source, in batches. */
async function evaluateSource(c: QualityClassifier, source: ImageDataset, indices: ArrayLike<number>): Promise<{ features: Float32Array; probs: Float32Array }> {
  const n = indices.length;
  const features = new Float32Array(n * c.config.hidden);
  const probs = new Float32Array(n * c.numClasses);
  for (let s = 0; s < n; s += 256) {
    const idx = Array.from({ length: Math.min(256, n - s) }, (_, j) => indices[s + j]!);
    const images = imageBatch(source, idx, c.config.scale);
    let r: { features: Float32Array; probs: Float32Array };
    try {
      r = await c.evaluate(images);
    } finally {
      images.dispose();
    }
    features.set(r.features, s * c.config.hidden);
    probs.set(r.probs, s * c.numClasses);
  }
  return { features, probs };
}

/** What {@link generationQuality} returns. */
export interface GenerationQuality {
  /** Generated images scored. */
  readonly count: number;
  /** Mean max-class probability over the generated images (real held-out images: `heldOut.meanConfidence`). */
  readonly meanConfidence: number;
  /** Fraction of generated images per predicted class `[K]`. */
  readonly classShares: number[];
  /** Entropy of `classShares` over log K: 1 when every class is equally common, 0 when one class takes all. */
  readonly classSpread: number;
  /** Fréchet distance of classifier features: generated vs held-out real images (same count). */
  readonly frechet: number;
  /** Agreement of the predicted class with `intendedLabels` (e.g. the source image of a prefix completion). */
  readonly labelAgreement?: number;
  /** The same figures for real images: the floor at this sample size. */
  readonly heldOut: {
    /** Mean max-class probability over real held-out images. */
    readonly meanConfidence: number;
    /** `classSpread` of the classifier's predictions on real held-out images. */
    readonly classSpread: number;
    /** The classifier's top-1 accuracy on real held-out images. */
    readonly accuracy: number;
    /** Fréchet distance between two disjoint sets of real images of the same count. */
    readonly frechetRealVsReal: number;
  };
}

function summarise(probs: Float32Array, n: number, k: number) {
  let conf = 0;
  const shares = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (probs[i * k + j]! > probs[i * k + best]!) best = j;
    conf += probs[i * k + best]!;
    shares[best]! += 1 / n;
  }
  const entropy = -shares.reduce((s, p) => (p > 0 ? s + p * Math.log(p) : s), 0);
  return { meanConfidence: conf / n, classShares: shares, classSpread: entropy / Math.log(k) };
}

/**
 * Scores generated images with a quality classifier against held-out real images.
 *
 * @param generated the generated images, as a dataset (labels unused)
 * @param heldOut real labelled images not used to train the classifier; needs at least 2·N images (two disjoint samples of N)
 * @param intendedLabels optional class each generated image should show (prefix completions: the source's label)
 */
export async function generationQuality(
  c: QualityClassifier,
  generated: ImageDataset,
  heldOut: ImageDataset,
  intendedLabels?: ArrayLike<number>,
): Promise<GenerationQuality> {
  const n = generated.size;
  if (n < 2) throw new Error(`generationQuality: need at least 2 generated images, got ${n}.`);
  if (heldOut.size < 2 * n) {
    throw new Error(`generationQuality: the held-out set has ${heldOut.size} images; ${2 * n} are needed (two disjoint real samples of ${n}).`);
  }
  const k = c.numClasses;
  const gen = await evaluateSource(c, generated, Array.from({ length: n }, (_, i) => i));
  const realA = await evaluateSource(c, heldOut, Array.from({ length: n }, (_, i) => i));
  const realB = await evaluateSource(c, heldOut, Array.from({ length: n }, (_, i) => n + i));
  const stats = (f: Float32Array) => gaussianStatistics(featureMatrix(f, n, c.config.hidden));
  const sg = stats(gen.features);
  const sa = stats(realA.features);
  const sb = stats(realB.features);
  const g = summarise(gen.probs, n, k);
  const r = summarise(realA.probs, n, k);
  const realLabels = classLabels(heldOut, 'generationQuality (held-out)').subarray(0, n);
  let agreement: number | undefined;
  if (intendedLabels) {
    if (intendedLabels.length !== n) throw new Error(`generationQuality: ${intendedLabels.length} intended labels for ${n} generated images.`);
    agreement = top1Accuracy(gen.probs, intendedLabels, k);
  }
  return {
    count: n,
    meanConfidence: g.meanConfidence,
    classShares: g.classShares,
    classSpread: g.classSpread,
    frechet: frechetDistance(sg, sa),
    ...(agreement === undefined ? {} : { labelAgreement: agreement }),
    heldOut: { meanConfidence: r.meanConfidence, classSpread: r.classSpread, accuracy: top1Accuracy(realA.probs, realLabels, k), frechetRealVsReal: frechetDistance(sb, sa) },
  };
}
