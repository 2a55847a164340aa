/**
 * Adapters that make a `@darl/transformer` backbone usable by the protocols: a linear patch embedding
 * (images → raster tokens), a {@link FeatureExtractor} (per-block token features, causal or full attention) and a
 * {@link FineTuneModel} (full attention, mean-pooled final output). DARL's own model, whose sequence starts with an
 * SOS token, provides its own extractor; these cover plain patch-token backbones.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertShape, Rng, UserError } from '@darl/tensor-backend';
import { applyTransformer, rasterPositions, type TokenPositions, type TransformerConfig, type TransformerParams } from '@darl/transformer';
import { patchify } from '@darl/patch-data';
import type { FeatureExtractor } from './feature-extractor.js';
import type { FineTuneModel } from './fine-tune.js';

/**
 * A linear patch embedding: `w float32 [P·P·C, D]`, `b float32 [D]`. A type alias rather than an interface, so that it
 * is a `TensorTree` (`gradientsByPath`, `AdamW` and `disposeTree` take a model tree holding it).
 */
export type PatchEmbeddingParams<T extends tf.Tensor = tf.Variable> = {
  /** Weight `[P·P·C, D]`. */
  readonly w: T;
  /** Bias `[D]`. */
  readonly b: T;
};

/** Creates a patch embedding (weight N(0, 0.02²) truncated at ±2σ, bias 0). */
export function initPatchEmbedding(opts: { patchSize: number; channels: number; width: number; seed: number | Rng }): PatchEmbeddingParams {
  const rng = typeof opts.seed === 'number' ? new Rng(opts.seed) : opts.seed;
  const w = rng.truncatedNormal([opts.patchSize * opts.patchSize * opts.channels, opts.width], { std: 0.02 });
  const b = tf.zeros([opts.width]);
  const out = { w: tf.variable(w, true), b: tf.variable(b, true) };
  w.dispose();
  b.dispose();
  return out;
}

/**
 * Images → raster-ordered patch tokens.
 *
 * @param images float32 [B, H, W, C] with H and W multiples of `patchSize`
 * @returns `tokens` float32 [B, L, D] (L = H/P · W/P, row-major patches, each flattened as (p_row, p_col, channel))
 *   owned by the caller, and their (row, col) grid positions
 */
export function embedPatches(
  params: PatchEmbeddingParams<tf.Tensor>,
  images: tf.Tensor4D,
  patchSize: number,
): {
  /** Patch tokens float32 `[B, L, D]`, owned by the caller. */
  tokens: tf.Tensor3D;
  /** Grid row and column of each token. */
  positions: TokenPositions;
} {
  const [b, h, w, c] = images.shape;
  const dims = assertShape('embedPatches', 'params.w', params.w.shape, [patchSize * patchSize * c, 'D']);
  const gr = h / patchSize;
  const gc = w / patchSize;
  const tokens = tf.tidy(() => {
    const p = tf.reshape(patchify(images, patchSize), [b * gr * gc, patchSize * patchSize * c]);
    return tf.reshape(tf.add(tf.matMul(p as tf.Tensor2D, params.w as tf.Tensor2D), params.b), [b, gr * gc, dims.D!]) as tf.Tensor3D;
  });
  return { tokens, positions: rasterPositions(gr, gc) };
}

/** A patch-embedding + Transformer backbone. */
export interface TransformerBackbone {
  /** The Transformer's config. */
  readonly config: TransformerConfig;
  /** The Transformer's variables. */
  readonly transformer: TransformerParams;
  /** The patch embedding's variables. */
  readonly embedding: PatchEmbeddingParams;
  /** Side P of the square patches. */
  readonly patchSize: number;
}

/**
 * A {@link FeatureExtractor} over a patch-embedding + Transformer backbone: layer 0 is the embedded patch tokens,
 * layer `i ∈ 1 … depth` the residual stream after block `i` (`hidden[i − 1]` of `applyTransformer`),
 * `numLayers = depth + 1`.
 */
export function transformerFeatureExtractor(backbone: TransformerBackbone): FeatureExtractor {
  const { config, transformer, embedding, patchSize } = backbone;
  return {
    numLayers: config.depth + 1,
    extract(images, { layers, attention }) {
      for (const l of layers) {
        if (!Number.isInteger(l) || l < 0 || l > config.depth) {
          throw new UserError(`transformerFeatureExtractor: layer ${l} does not exist; layers are 0 (patch tokens) to ${config.depth} (last block).`);
        }
      }
      return tf.tidy(() => {
        const { tokens, positions } = embedPatches(embedding, images, patchSize);
        const hidden = layers.some((l) => l > 0)
          ? applyTransformer(transformer, config, tokens, { positions, attention, returnHidden: true }).hidden!
          : [];
        return layers.map((l) => (l === 0 ? tokens : hidden[l - 1]!));
      });
    },
  };
}

/**
 * A {@link FineTuneModel} over a patch-embedding + Transformer backbone: full attention, features = mean over
 * tokens of the final (LayerNorm-ed) output. Parameters `{ embedding, transformer }`; layers: `embedding/…` and
 * `transformer/pos` → 0, `transformer/blocks/i/…` → i + 1, `transformer/norm/…` → depth + 1.
 * Training passes the fine-tuning Rng on to `applyTransformer` (drop-path at `config.dropPath`).
 */
export function transformerFineTuneModel(backbone: TransformerBackbone): FineTuneModel {
  const { config, transformer, embedding, patchSize } = backbone;
  return {
    params: { embedding, transformer } as unknown as FineTuneModel['params'],
    numLayers: config.depth,
    featureDim: config.width,
    layerOf(path) {
      if (path.startsWith('embedding/') || path === 'transformer/pos') return 0;
      const m = /^transformer\/blocks\/(\d+)\//.exec(path);
      if (m) return Number(m[1]) + 1;
      if (path.startsWith('transformer/norm/')) return config.depth + 1;
      throw new Error(`transformerFineTuneModel: no layer known for parameter "${path}".`);
    },
    forward(images, { training, rng }) {
      return tf.tidy(() => {
        const { tokens, positions } = embedPatches(embedding, images, patchSize);
        const { output } = applyTransformer(transformer, config, tokens, {
          positions,
          attention: 'full',
          ...(training && rng && config.dropPath > 0 ? { rng } : {}),
        });
        return tf.mean(output, 1) as tf.Tensor2D;
      });
    },
  };
}
