/**
 * The denoising patch decoder `g(x_γ, h, γ)`: initialisation and forward pass for both kinds.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertRank, assertShape, Rng } from '@darl/tensor-backend';
import { gammaArray, type GammaValues } from './gamma-values.js';
import { applyMlpAdaLnDecoder, initMlpAdaLnDecoder, type MlpAdaLnDecoderParams } from './mlp-adaln-decoder.js';
import { validatePatchDecoderConfig, type PatchDecoderConfig } from './patch-decoder-config.js';
import { applyTransformerDecoder, initTransformerDecoder, type TransformerDecoderParams } from './transformer-decoder.js';

/** Parameters of a patch decoder: the tree of variables for its `kind`. */
export type PatchDecoderParams = MlpAdaLnDecoderParams | TransformerDecoderParams;

/** A seed or an {@link Rng} to draw initial weights from. */
export interface SeedOption {
  /** A seed, or an `Rng` that the initialisation advances. */
  readonly seed: number | Rng;
}

/**
 * Initialises a patch decoder. Same seed → same weights on every backend. The output layer starts at zero (so the
 * untrained decoder outputs 0); see the kind's module for the rest.
 *
 * @returns a tree of tf.Variable (dispose with `disposeTree`)
 */
export function initPatchDecoder(config: PatchDecoderConfig, opts: SeedOption): PatchDecoderParams {
  validatePatchDecoderConfig('initPatchDecoder', config);
  const rng = typeof opts.seed === 'number' ? new Rng(opts.seed) : opts.seed;
  return config.kind === 'mlp' ? initMlpAdaLnDecoder(config, rng) : initTransformerDecoder(config, rng);
}

/**
 * Runs the decoder on noisy patches at noise levels γ, conditioned on the backbone outputs.
 *
 * @param noisy noisy patches x_γ, float32 [N, D] (D = config.patchDim)
 * @param condition backbone outputs h, float32 [N, C] (C = config.conditionDim)
 * @param gamma noise level per row [N] (or one number for all rows); ignored when `config.gammaInput` is false
 * @returns the decoder output (in the head's prediction parameterisation), float32 [N, D], owned by the caller
 */
export function applyPatchDecoder(
  params: PatchDecoderParams,
  config: PatchDecoderConfig,
  noisy: tf.Tensor2D,
  condition: tf.Tensor2D,
  gamma: GammaValues,
): tf.Tensor2D {
  const where = 'applyPatchDecoder';
  assertRank(where, 'noisy', noisy.shape, 2);
  const dims = assertShape(where, 'noisy', noisy.shape, ['N', config.patchDim]);
  assertShape(where, 'condition', condition.shape, ['N', config.conditionDim], dims);
  const g = gammaArray(where, gamma, dims.N!);
  const hasTransformer = 'transformer' in params;
  if (hasTransformer !== (config.kind === 'transformer')) {
    throw new Error(
      `${where}: "params" belong to a ${hasTransformer ? 'transformer' : 'mlp'} decoder but config.kind is '${config.kind}'; ` +
        'use params made by initPatchDecoder(config).',
    );
  }
  const hasGammaEmbed = 'gammaEmbed' in params && params.gammaEmbed !== undefined;
  if (hasGammaEmbed !== config.gammaInput) {
    throw new Error(
      `${where}: config.gammaInput is ${config.gammaInput} but "params" ${hasGammaEmbed ? 'have' : 'lack'} a γ embedding; ` +
        'use params made by initPatchDecoder(config).',
    );
  }
  return tf.tidy(() =>
    config.kind === 'mlp'
      ? applyMlpAdaLnDecoder(params as MlpAdaLnDecoderParams, config, noisy, condition, g)
      : applyTransformerDecoder(params as TransformerDecoderParams, config, noisy, condition, g),
  );
}
