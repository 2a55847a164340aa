/**
 * The MLP patch decoder with adaptive LayerNorm (MAR's `SimpleMLPAdaLN`, Li et al. 2024):
 *
 * ```
 * h = inputProj(x_γ)                          [N, W]
 * y = condEmbed(c) + gammaEmbed(γ)            [N, W]   (gammaEmbed omitted when gammaInput is false)
 * for each block:                                      (depth blocks)
 *   shift, scale, gate = modulation(silu(y))  3 × [N, W]
 *   h = h + gate · fc2(silu(fc1(modulate(LN(h), shift, scale))))
 * shift, scale = finalModulation(silu(y))
 * out = outProj(modulate(LN₀(h), shift, scale))   [N, D]   (LN₀: no affine parameters)
 * ```
 *
 * Initialisation as MAR: Xavier-uniform linears with zero biases, γ-embedding MLP N(0, 0.02²), and **zero** block
 * modulations (so every gate starts at 0 and each block starts as the identity), zero final modulation and a zero
 * output projection: the untrained decoder outputs exactly 0 (for x0-prediction: the mean of normalised targets).
 * Gradients still flow at step 0 because the output projection's input is non-zero. LayerNorm ε is 1e-6.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@darl/tensor-backend';
import { applyLayerNorm, applyLinear, initLayerNorm, initLinear, type LayerNormParams, type LinearParams } from '@darl/transformer';
import {
  columnBlock,
  modulate,
  plainLayerNorm,
  silu,
} from './dense-layers.js';
import { applyGammaEmbedding, initGammaEmbedding, type GammaEmbeddingParams } from './gamma-embedding.js';
import type { PatchDecoderConfig } from './patch-decoder-config.js';

const LN_EPS = 1e-6;

/** One residual adaLN block. `modulation` maps silu(y) to [shift | scale | gate], [W, 3W]. */
export type MlpAdaLnBlockParams = {
  /** LayerNorm of the block input (modulated by shift and scale). */
  readonly norm: LayerNormParams;
  /** First Linear of the block MLP `[W, W]`. */
  readonly fc1: LinearParams;
  /** Second Linear of the block MLP `[W, W]`. */
  readonly fc2: LinearParams;
  /** silu(y) → [shift | scale | gate] `[W, 3W]`, zero-initialised (adaLN-Zero). */
  readonly modulation: LinearParams;
};

/** Parameters of the MLP decoder (a TensorTree of variables). */
export type MlpAdaLnDecoderParams = {
  /** Noisy patch → width, `[D, W]`. */
  readonly inputProj: LinearParams;
  /** Condition (backbone output) → width, `[C, W]`. */
  readonly condEmbed: LinearParams;
  /** Embedding of the noise level γ; present when `gammaInput` is true. */
  readonly gammaEmbed?: GammaEmbeddingParams;
  /** The `depth` residual adaLN blocks. */
  readonly blocks: readonly MlpAdaLnBlockParams[];
  /** silu(y) → [shift | scale] of the final LayerNorm `[W, 2W]`. */
  readonly finalModulation: LinearParams;
  /** Width → prediction of the patch, `[W, D]`. */
  readonly outProj: LinearParams;
};

/** Initialises the MLP decoder (see the module comment for the initialisation). */
export function initMlpAdaLnDecoder(config: PatchDecoderConfig, rng: Rng): MlpAdaLnDecoderParams {
  const W = config.width;
  return {
    inputProj: initLinear(config.patchDim, W, { seed: rng, init: 'xavier' }),
    condEmbed: initLinear(config.conditionDim, W, { seed: rng, init: 'xavier' }),
    ...(config.gammaInput ? { gammaEmbed: initGammaEmbedding(rng, W) } : {}),
    blocks: Array.from({ length: config.depth }, () => ({
      norm: initLayerNorm(W),
      fc1: initLinear(W, W, { seed: rng, init: 'xavier' }),
      fc2: initLinear(W, W, { seed: rng, init: 'xavier' }),
      modulation: initLinear(W, 3 * W, { seed: rng, init: 'zero' }),
    })),
    finalModulation: initLinear(W, 2 * W, { seed: rng, init: 'zero' }),
    outProj: initLinear(W, config.patchDim, { seed: rng, init: 'zero' }),
  };
}

/**
 * Forward pass; shapes are checked by the caller (`applyPatchDecoder`). Call inside `tf.tidy`.
 *
 * @param noisy float32 [N, D]; @param condition float32 [N, C]; @param gamma one value or N values
 * @returns float32 [N, D]
 */
export function applyMlpAdaLnDecoder(
  params: MlpAdaLnDecoderParams,
  config: PatchDecoderConfig,
  noisy: tf.Tensor2D,
  condition: tf.Tensor2D,
  gamma: Float64Array,
): tf.Tensor2D {
  const W = config.width;
  let h = applyLinear(params.inputProj, noisy) as tf.Tensor2D; // [N, W]
  let y = applyLinear(params.condEmbed, condition) as tf.Tensor2D; // [N, W]
  if (config.gammaInput && params.gammaEmbed) y = tf.add(y, applyGammaEmbedding(params.gammaEmbed, gamma)); // [N, W]
  const sy = silu(y); // [N, W]
  for (const block of params.blocks) {
    const m = applyLinear(block.modulation, sy) as tf.Tensor2D; // [N, 3W]
    const shift = columnBlock(m, 0, W);
    const scale = columnBlock(m, 1, W);
    const gate = columnBlock(m, 2, W);
    const u = modulate(applyLayerNorm(block.norm, h, LN_EPS) as tf.Tensor2D, shift, scale); // [N, W]
    const mlp = applyLinear(block.fc2, silu(applyLinear(block.fc1, u))) as tf.Tensor2D; // [N, W]
    h = tf.add(h, tf.mul(gate, mlp));
  }
  const m = applyLinear(params.finalModulation, sy) as tf.Tensor2D; // [N, 2W]
  const u = modulate(plainLayerNorm(h, LN_EPS), columnBlock(m, 0, W), columnBlock(m, 1, W));
  return applyLinear(params.outProj, u) as tf.Tensor2D; // [N, D]
}
