/**
 * Representations from a DARL model: token features of any layer, pooled, with causal or full attention at readout.
 *
 * Layers: 0 is the input tokens (`[SOS, embed(p1) …]`); layer i ∈ 1…depth is the residual stream after block i.
 * Features are computed on the training input sequence `[SOS, p1 … p(L−1)]`, i.e. L tokens.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DarlModel, DarlParams } from './darl-model.js';
import { inputTokens, toPatchSequence } from './darl-model.js';

/** Pooling of token features into one vector per image. */
export type Pooling = 'mean' | 'last' | 'concat';

/** Options of {@link extractTokenFeatures}. */
export interface TokenFeatureOptions {
  /** Layers to return, each in 0…depth (default: [depth]). */
  readonly layers?: readonly number[];
  /** Attention at readout (default 'causal', as in pretraining). */
  readonly attention?: 'causal' | 'full';
}

/**
 * Token features of the requested layers.
 * @param images float32 [B, H, W, Ch], scaled like the training data
 * @returns one float32 [B, L, C] per requested layer, in the order requested (owned by the caller)
 */
export function extractTokenFeatures(model: DarlModel, params: DarlParams, images: tf.Tensor4D, opts: TokenFeatureOptions = {}): tf.Tensor3D[] {
  const depth = model.backbone.depth;
  const layers = opts.layers ?? [depth];
  for (const layer of layers) {
    if (!Number.isInteger(layer) || layer < 0 || layer > depth) {
      throw new Error(`extractTokenFeatures: layer ${layer} does not exist; layers are 0 (input tokens) to ${depth} (last block).`);
    }
  }
  return tf.tidy(() => {
    const patches = toPatchSequence(model, images);
    const tokens = inputTokens(model, params, patches, { dropLast: true });
    const needHidden = layers.some((l) => l > 0);
    const hidden = needHidden
      ? model.backbone.apply(params.backbone, tokens, {
          positions: model.positions,
          attention: opts.attention ?? 'causal',
          returnHidden: true,
        }).hidden!
      : [];
    return layers.map((l) => (l === 0 ? tokens : hidden[l - 1]!));
  });
}

/**
 * Pools token features [B, L, C] into [B, C] (mean, last) or [B, L·C] (concat).
 */
export function poolTokens(features: tf.Tensor3D, pool: Pooling): tf.Tensor2D {
  return tf.tidy(() => {
    const [b, l, c] = features.shape;
    if (pool === 'mean') return tf.mean(features, 1) as tf.Tensor2D;
    if (pool === 'last') return tf.reshape(tf.slice(features, [0, l - 1, 0], [b, 1, c]), [b, c]) as tf.Tensor2D;
    return tf.reshape(features, [b, l * c]) as tf.Tensor2D;
  });
}

/**
 * One feature vector per image: `extractFeatures(model, params, images, { layer, pool, attention })`.
 * @returns float32 [B, C] (or [B, L·C] for concat)
 */
export function extractFeatures(
  model: DarlModel,
  params: DarlParams,
  images: tf.Tensor4D,
  opts: { layer?: number; pool?: Pooling; attention?: 'causal' | 'full' } = {},
): tf.Tensor2D {
  return tf.tidy(() => {
    const [tokens] = extractTokenFeatures(model, params, images, {
      layers: [opts.layer ?? model.backbone.depth],
      attention: opts.attention ?? 'causal',
    });
    return poolTokens(tokens!, opts.pool ?? 'mean');
  });
}
