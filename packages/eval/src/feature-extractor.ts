/**
 * The generic feature-extractor interface every protocol in this package reads, so the protocols work for any
 * backbone (DARL, a plain ViT, a CNN that exposes spatial tokens …).
 *
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';

/** Attentions features can be read out with: the pretraining mask (`causal`) or bidirectional (`full`). */
export const READOUT_ATTENTIONS = ['causal', 'full'] as const;

/** Attention used when reading features out: one of {@link READOUT_ATTENTIONS}. */
export type ReadoutAttention = (typeof READOUT_ATTENTIONS)[number];

/**
 * Images → token features of the requested layers.
 *
 * Layers are numbered `0 … numLayers − 1`: layer 0 is the input tokens (before the first block), layer `i ≥ 1` the
 * residual stream after the `i`-th block (`blocks/(i−1)` in `@darl/transformer`'s parameter paths), so a backbone of
 * depth `d` has `numLayers = d + 1` — the numbering of `FineTuneModel.layerOf` and of Hugging Face's
 * `hidden_states`. An extractor for a backbone without attention choices may ignore `attention`.
 */
export interface FeatureExtractor {
  /** Number of layers that can be requested. */
  readonly numLayers: number;
  /**
   * Runs the backbone once and returns the token features of each requested layer, in the order of `opts.layers`.
   *
   * @param images float32 [B, H, W, C], already normalised the way the backbone expects
   * @returns one float32 [B, L, C] tensor per requested layer; the caller owns them
   */
  extract(images: tf.Tensor4D, opts: { layers: number[]; attention: ReadoutAttention }): tf.Tensor3D[];
}
