/**
 * Embedding the noise level γ for the patch decoder, DiT/MAR style: a sinusoidal "timestep" embedding followed by a
 * two-layer MLP.
 *
 * γ has no discrete timestep (it may come from a Beta distribution), so the embedded scalar is γ's log-SNR mapped
 * linearly onto a pseudo-timestep `u = 1000·(LOG_SNR_LIMIT − logSnr)/(2·LOG_SNR_LIMIT)` ∈ [0, 1000]
 * (0 = clean, 1000 = noise), then DiT's `[cos(u·f_k), sin(u·f_k)]` with `f_k = 10000^(−k/128)`, k = 0 … 127
 * (256 features), computed in float64 on the host.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@darl/tensor-backend';
import { applyLinear, initLinear, type LinearParams } from '@darl/transformer';
import { silu } from './dense-layers.js';
import { LOG_SNR_LIMIT, logSnrFromGamma } from './noise-schedule.js';

/** Number of sinusoidal features of the γ embedding (DiT's `frequency_embedding_size`). */
export const GAMMA_FEATURES = 256;

/** Parameters of the γ embedding MLP: 256 → width → width. */
export type GammaEmbeddingParams = {
  /** First Linear, 256 sinusoidal features → width (followed by SiLU). */
  readonly fc1: LinearParams;
  /** Second Linear, width → width. */
  readonly fc2: LinearParams;
};

/** Pseudo-timestep of γ in [0, 1000]: linear in log-SNR, 0 = clean, 1000 = noise. */
export function gammaToPseudoTime(gamma: number): number {
  return (1000 * (LOG_SNR_LIMIT - logSnrFromGamma(gamma))) / (2 * LOG_SNR_LIMIT);
}

/**
 * Sinusoidal features of γ, row-major.
 *
 * @returns Float32Array [gamma.length · 256]
 */
export function gammaFeatures(gamma: Float64Array): Float32Array {
  const half = GAMMA_FEATURES / 2;
  const out = new Float32Array(gamma.length * GAMMA_FEATURES);
  for (let i = 0; i < gamma.length; i++) {
    const u = gammaToPseudoTime(gamma[i]!);
    for (let k = 0; k < half; k++) {
      const arg = u * Math.exp((-Math.log(10000) * k) / half);
      out[i * GAMMA_FEATURES + k] = Math.cos(arg);
      out[i * GAMMA_FEATURES + half + k] = Math.sin(arg);
    }
  }
  return out;
}

/** MLP weights N(0, 0.02²), zero biases (MAR's TimestepEmbedder init). */
export function initGammaEmbedding(rng: Rng, width: number): GammaEmbeddingParams {
  return {
    fc1: initLinear(GAMMA_FEATURES, width, { seed: rng, init: { normalStd: 0.02 } }),
    fc2: initLinear(width, width, { seed: rng, init: { normalStd: 0.02 } }),
  };
}

/**
 * γ [N] (float64 values) → embedding float32 [N, width]: `fc2(silu(fc1(features(γ))))`. Call inside `tf.tidy`.
 */
export function applyGammaEmbedding(p: GammaEmbeddingParams, gamma: Float64Array): tf.Tensor2D {
  const feats = tf.tensor2d(gammaFeatures(gamma), [gamma.length, GAMMA_FEATURES], 'float32');
  return applyLinear(p.fc2, silu(applyLinear(p.fc1, feats))) as tf.Tensor2D;
}
