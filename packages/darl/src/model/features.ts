/**
 * Representations from a DARL model: token features of any layer, pooled, with causal or full attention at readout.
 *
 * Layers: 0 is the input tokens (`[SOS, embed(p1) …]`); layer i ∈ 1…depth is the residual stream after block i.
 *
 * The readout sequence is the whole image, `[SOS, p1 … pL]` (L + 1 tokens; see `readoutTokens`), not the
 * training input `[SOS, p1 … p(L−1)]`, whose features never see the last patch pL.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { poolTokens, type Pooling, type ReadoutAttention } from '@darl/eval';
import { concatPositions, slicePositions, type TokenPositions } from '@darl/transformer';
import type { DarlModel, DarlParams } from './darl-model.js';
import { inputTokens, toPatchSequence } from './darl-model.js';

/** Position encodings that read the token's grid (row, column) rather than its sequence index. */
const GRID_POSITIONS: ReadonlySet<string> = new Set(['rope2d', 'sincos2d', 'none']);

/**
 * The token sequence features are read from, with its positions.
 *
 * Why the whole sequence: in training, input token t holds patch t and sits at the position of patch t+1, which it
 * predicts; the last patch pL is only ever a target, so features of the training input `[SOS, p1 … p(L−1)]` never
 * contain it (4 % of a 28×28 image at patch 4, a whole row's corner at patch 7). At readout there is no target, so
 * the sequence is extended by pL: `[SOS, p1 … pL]`, L + 1 tokens. The extra token carries the grid position of its
 * own patch pL (there is no "next" patch whose position it could take); with rotary or fixed 2-D encodings that is a
 * well-defined position the backbone has seen, at relative offset 0 from token L−1. Every earlier token keeps
 * exactly its training position, so causal readout features of tokens 0 … L−1 equal the training-time ones.
 *
 * Sequence-index encodings (`learned`, `rope1d`) have a table of exactly L positions (`maxTokens` = L); index L does
 * not exist, and widening the table would change the parameter shapes of every saved run. For those the readout stays
 * the training input (L tokens, pL unseen) — a documented limitation of those ablation settings, not of the default.
 *
 * @param images float32 [B, H, W, Ch], scaled like the training data
 * @returns `tokens` float32 [B, L + 1, C] (grid encodings) or [B, L, C], owned by the caller, and their positions
 */
export function readoutTokens(model: DarlModel, params: DarlParams, images: tf.Tensor4D): { tokens: tf.Tensor3D; positions: TokenPositions } {
  const whole = GRID_POSITIONS.has(model.config.position);
  const tokens = tf.tidy(() => inputTokens(model, params, toPatchSequence(model, images), { dropLast: !whole }));
  if (!whole) return { tokens, positions: model.positions };
  // The extra token pL sits at its own patch's position, the last one of the sequence order.
  const positions = concatPositions(model.positions, slicePositions(model.positions, model.length - 1, model.length));
  return { tokens, positions };
}

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
 * @returns one float32 [B, L + 1, C] per requested layer ([B, L, C] for sequence-index position encodings, see
 *   `readoutTokens`), in the order requested (owned by the caller)
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
    const { tokens, positions } = readoutTokens(model, params, images);
    const needHidden = layers.some((l) => l > 0);
    const hidden = needHidden
      ? model.backbone.apply(params.backbone, tokens, {
          positions,
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
