/**
 * The Transformer patch decoder: the noisy patch attends to the backbone output for its position.
 *
 * ```
 * condToken  = condEmbed(c)                          [N, W]
 * patchToken = inputProj(x_γ) + gammaEmbed(γ)        [N, W]   (no γ term when gammaInput is false)
 * tokens     = [condToken, patchToken]               [N, 2, W]
 * out        = applyTransformer(tokens, attention 'full', position 'none')   (pre-LN blocks + final LayerNorm)
 * result     = outProj(out[:, 1, :])                 [N, D]
 * ```
 *
 * The inner Transformer is `@darl/transformer` with `width = W`, `depth`, `heads`, MLP ratio 4, LayerNorm ε 1e-6,
 * Xavier-uniform init, no positions (the two tokens differ by their embeddings, and only the patch token is read).
 * The output projection starts at zero, like the MLP decoder's, so the untrained decoder outputs 0.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@darl/tensor-backend';
import {
  applyLinear,
  applyTransformer,
  initLinear,
  initTransformer,
  transformerConfig,
  type LinearParams,
  type TransformerConfig,
  type TransformerParams,
} from '@darl/transformer';
import { applyGammaEmbedding, initGammaEmbedding, type GammaEmbeddingParams } from './gamma-embedding.js';
import type { PatchDecoderConfig } from './patch-decoder-config.js';

/** Parameters of the Transformer decoder (a TensorTree of variables). */
export type TransformerDecoderParams = {
  /** Noisy patch → width, `[D, W]`. */
  readonly inputProj: LinearParams;
  /** Condition (backbone output) → width, `[C, W]`. */
  readonly condEmbed: LinearParams;
  /** Embedding of the noise level γ; present when `gammaInput` is true. */
  readonly gammaEmbed?: GammaEmbeddingParams;
  /** The Transformer blocks over the two tokens [condition, noisy patch]. */
  readonly transformer: TransformerParams;
  /** Width → prediction of the patch, `[W, D]`. */
  readonly outProj: LinearParams;
};

/** The inner `@darl/transformer` config of a Transformer decoder. */
export function innerTransformerConfig(config: PatchDecoderConfig): TransformerConfig {
  return transformerConfig({
    preset: 'tiny',
    width: config.width,
    depth: config.depth,
    heads: config.heads,
    mlpRatio: 4,
    layerNormEps: 1e-6,
    position: 'none',
    maxTokens: 2,
    init: 'xavier',
    dropPath: 0,
  });
}

const POSITIONS = { rows: Int32Array.of(0, 0), cols: Int32Array.of(0, 1) };

/** Initialises the Transformer decoder. */
export function initTransformerDecoder(config: PatchDecoderConfig, rng: Rng): TransformerDecoderParams {
  const W = config.width;
  return {
    inputProj: initLinear(config.patchDim, W, { seed: rng, init: 'xavier' }),
    condEmbed: initLinear(config.conditionDim, W, { seed: rng, init: 'xavier' }),
    ...(config.gammaInput ? { gammaEmbed: initGammaEmbedding(rng, W) } : {}),
    transformer: initTransformer(innerTransformerConfig(config), { seed: rng.fork('transformer') }),
    outProj: initLinear(W, config.patchDim, { seed: rng, init: 'zero' }),
  };
}

/**
 * Forward pass; shapes are checked by the caller (`applyPatchDecoder`). Call inside `tf.tidy`.
 *
 * @returns float32 [N, D]
 */
export function applyTransformerDecoder(
  params: TransformerDecoderParams,
  config: PatchDecoderConfig,
  noisy: tf.Tensor2D,
  condition: tf.Tensor2D,
  gamma: Float64Array,
): tf.Tensor2D {
  const N = noisy.shape[0];
  const W = config.width;
  const condToken = applyLinear(params.condEmbed, condition) as tf.Tensor2D; // [N, W]
  let patchToken = applyLinear(params.inputProj, noisy) as tf.Tensor2D; // [N, W]
  if (config.gammaInput && params.gammaEmbed) patchToken = tf.add(patchToken, applyGammaEmbedding(params.gammaEmbed, gamma));
  const tokens = tf.concat([tf.reshape(condToken, [N, 1, W]), tf.reshape(patchToken, [N, 1, W])], 1) as tf.Tensor3D; // [N, 2, W]
  const { output } = applyTransformer(params.transformer, innerTransformerConfig(config), tokens, {
    positions: POSITIONS,
    attention: 'full',
  }); // [N, 2, W]
  const read = tf.reshape(tf.slice(output, [0, 1, 0], [N, 1, W]), [N, W]) as tf.Tensor2D; // [N, W]
  return applyLinear(params.outProj, read) as tf.Tensor2D; // [N, D]
}
