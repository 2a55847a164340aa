/**
 * The diffusion loss head: parameters and the training loss (MAR's `DiffLoss.forward`).
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertRank, assertShape, type Rng } from '@darl/tensor-backend';
import { validateDiffusionHeadConfig, type DiffusionHeadConfig } from './diffusion-head-config.js';
import { sampleNoiseLevels } from './noise-level.js';
import { addNoise, lossWeights, predictionTarget } from './parameterisation.js';
import { applyPatchDecoder, initPatchDecoder, type PatchDecoderParams, type SeedOption } from './patch-decoder.js';

/** Parameters of a diffusion head (a TensorTree of variables; path prefix `decoder/`). */
export type DiffusionHeadParams = {
  /** The denoising patch decoder's variables. */
  readonly decoder: PatchDecoderParams;
};

/** Initialises a diffusion head (its patch decoder). */
export function initDiffusionHead(config: DiffusionHeadConfig, opts: SeedOption): DiffusionHeadParams {
  validateDiffusionHeadConfig('initDiffusionHead', config);
  return { decoder: initPatchDecoder(config.decoder, opts) };
}

/** What {@link diffusionLoss} returns. */
export interface DiffusionLossResult {
  /** Mean of `perTarget`: the scalar to minimise. */
  readonly loss: tf.Scalar;
  /**
   * float32 [N·K]: each draw's mean squared error over D in the prediction's space, times its loss weight (1 for
   * weighting `none`), so `loss = mean(perTarget)` and a caller can mask or re-average draws. Draw `k·N + n` is
   * draw k of target n.
   */
  readonly perTarget: tf.Tensor1D;
  /** Float64Array [N·K]: the noise level γ of each draw (same order as `perTarget`). */
  readonly gamma: Float64Array;
}

/**
 * The diffusion loss for a batch of target patches and their conditions. Each target is noised K =
 * `config.batchMultiplier` times (its condition is tiled K times, so the backbone runs once per target), with γ
 * drawn from `config.noiseLevels` and ε ~ N(0, I); the decoder's output is regressed onto the prediction target.
 * Randomness: γ for all N·K draws first, then ε, from `rng`. Differentiable w.r.t. the decoder parameters and
 * `conditions`: call it inside a gradient closure.
 *
 * @param targets clean target patches x0, float32 [N, D]
 * @param conditions backbone outputs, float32 [N, C]
 * @returns `loss` (scalar), `perTarget` float32 [N·K], `gamma` Float64Array [N·K]; the tensors belong to the caller
 */
export function diffusionLoss(
  params: DiffusionHeadParams,
  config: DiffusionHeadConfig,
  targets: tf.Tensor2D,
  conditions: tf.Tensor2D,
  rng: Rng,
): DiffusionLossResult {
  const where = 'diffusionLoss';
  assertRank(where, 'targets', targets.shape, 2);
  const dims = assertShape(where, 'targets', targets.shape, ['N', config.decoder.patchDim]);
  assertShape(where, 'conditions', conditions.shape, ['N', config.decoder.conditionDim], dims);
  const N = dims.N!;
  const K = config.batchMultiplier;
  const D = config.decoder.patchDim;
  const gamma = sampleNoiseLevels(config.noiseLevels, N * K, rng);
  const weights = lossWeights(config.weighting, config.prediction, gamma, config.snrClip === undefined ? {} : { snrClip: config.snrClip });
  const { loss, perTarget } = tf.tidy(() => {
    const x0 = K === 1 ? targets : (tf.concat(Array.from({ length: K }, () => targets), 0) as tf.Tensor2D); // [N·K, D]
    const c = K === 1 ? conditions : (tf.concat(Array.from({ length: K }, () => conditions), 0) as tf.Tensor2D); // [N·K, C]
    const eps = rng.normal([N * K, D]) as tf.Tensor2D; // [N·K, D]
    const noisy = addNoise(x0, eps, gamma);
    const output = applyPatchDecoder(params.decoder, config.decoder, noisy, c, gamma); // [N·K, D]
    const target = predictionTarget(config.prediction, x0, eps, gamma);
    let perDraw = tf.mean(tf.square(tf.sub(output, target)), 1) as tf.Tensor1D; // [N·K]
    if (config.weighting !== 'none') perDraw = tf.mul(perDraw, tf.tensor1d(Float32Array.from(weights)));
    return { loss: tf.mean(perDraw) as tf.Scalar, perTarget: perDraw };
  });
  return { loss, perTarget, gamma };
}
