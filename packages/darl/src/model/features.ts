/**
 * Representations from a DARL model: token features of any layer, pooled, with causal or full attention at readout.
 *
 * Layers: 0 is the input tokens (`[SOS, embed(p1) …]`); layer i ∈ 1…depth is the residual stream after block i.
 * Features are computed on the training input sequence `[SOS, p1 … p(L−1)]`, i.e. L tokens.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { poolTokens, type Pooling, type ReadoutAttention } from '@darl/eval';
import type { DarlModel, DarlParams } from './darl-model.js';
import { inputTokens, toPatchSequence } from './darl-model.js';

/** Options of {@link extractTokenFeatures}. */
export interface TokenFeatureOptions {
  /** Layers to return, each in 0…depth (default: [depth]). */
  readonly layers?: readonly number[];
  /** Attention at readout (default 'causal', as in pretraining). */
  readonly attention?: ReadoutAttention;
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
 * One feature vector per image: `pooledFeatures(model, params, images, { layer, pool, attention })` — token features
 * of one layer (default the last block), pooled with `@darl/eval`'s `poolTokens` (default `mean`). For the
 * evaluation protocols over a dataset use `darlFeatureExtractor` with `@darl/eval`.
 * @returns float32 [B, C] (or [B, L·C] for concat)
 */
export function pooledFeatures(
  model: DarlModel,
  params: DarlParams,
  images: tf.Tensor4D,
  opts: { layer?: number; pool?: Pooling; attention?: ReadoutAttention } = {},
): tf.Tensor2D {
  return tf.tidy(() => {
    const [tokens] = extractTokenFeatures(model, params, images, {
      layers: [opts.layer ?? model.backbone.depth],
      attention: opts.attention ?? 'causal',
    });
    return poolTokens(tokens!, opts.pool ?? 'mean');
  });
}
