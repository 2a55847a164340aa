/**
 * Running a {@link FeatureExtractor} over a dataset in batches and caching pooled features as Float32Arrays, one
 * matrix per (layer, pooling, attention). All requested layers come out of one backbone pass per batch and attention
 * mode, so a sweep extracts each image once per attention mode.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { READOUT_ATTENTIONS, type FeatureExtractor, type ReadoutAttention } from './feature-extractor.js';
import { featureMatrix, type FeatureMatrix } from './feature-matrix.js';
import type { ImageDataset, PixelScale } from '@darl/patch-data';
import { imageBatch } from './dataset-reads.js';
import { POOLINGS, pooledDim, poolTokens, type Pooling } from './pooling.js';

/** One cached readout. */
export interface CachedFeatures {
  /** Layer the features were read from (0 = embedded patch tokens). */
  readonly layer: number;
  /** How the layer's tokens were pooled into one vector per image. */
  readonly pooling: Pooling;
  /** Attention pattern of the readout pass (`causal` or `full`). */
  readonly attention: ReadoutAttention;
  /** Pooled features `[N, C]` (`[N, L·C]` for `concat`, token-major: token 0's C channels first). */
  readonly features: FeatureMatrix;
  /** Tokens per image (L) of the layer. */
  readonly tokens: number;
  /** Channels per token (C) of the layer. */
  readonly channels: number;
}

/** Pooled features of a dataset, looked up by (layer, pooling, attention). */
export interface FeatureCache {
  /** Images the features were extracted from (N). */
  readonly size: number;
  /** Every cached readout, in extraction order. */
  readonly entries: readonly CachedFeatures[];
  /** The cached readout; throws (listing what is cached) if it was not extracted. */
  get(layer: number, pooling: Pooling, attention: ReadoutAttention): CachedFeatures;
}

/** Options of {@link extractFeatures}. */
export interface ExtractFeaturesOptions {
  /** Layers to read (0-based, see {@link FeatureExtractor}). */
  readonly layers: readonly number[];
  /** Poolings to cache (default all: mean, last, concat). `concat` needs N·L·C floats per layer: mind memory. */
  readonly poolings?: readonly Pooling[];
  /** Attention modes to run (default all of {@link READOUT_ATTENTIONS}): one backbone pass per batch and mode. */
  readonly attentions?: readonly ReadoutAttention[];
  /** Images per backbone pass (default 64). */
  readonly batchSize?: number;
  /** Pixel normalisation (default `minus-one-one`). */
  readonly scale?: PixelScale;
  /** Only these images of the source, in this order (default all). */
  readonly indices?: ArrayLike<number>;
  /** Called after each batch with the number of images done in the current attention mode. */
  readonly onProgress?: (done: number, total: number, attention: ReadoutAttention) => void;
}

const key = (layer: number, pooling: Pooling, attention: ReadoutAttention): string => `${layer}/${pooling}/${attention}`;

/**
 * Extracts and pools features of every image in `source` (or `opts.indices`).
 *
 * @returns a cache of Float32Array matrices (no tensors stay alive)
 */
export async function extractFeatures(extractor: FeatureExtractor, source: ImageDataset, opts: ExtractFeaturesOptions): Promise<FeatureCache> {
  const where = 'extractFeatures';
  const layers = [...opts.layers];
  const poolings = [...(opts.poolings ?? POOLINGS)];
  const attentions = [...(opts.attentions ?? READOUT_ATTENTIONS)];
  const batchSize = opts.batchSize ?? 64;
  if (layers.length === 0) throw new Error(`${where}: no layers requested; pass e.g. { layers: [0, 1, 2, 3] }.`);
  for (const l of layers) {
    if (!Number.isInteger(l) || l < 0 || l >= extractor.numLayers) {
      throw new Error(`${where}: layer ${l} does not exist; the extractor has layers 0 … ${extractor.numLayers - 1}.`);
    }
  }
  for (const p of poolings) if (!POOLINGS.includes(p)) throw new Error(`${where}: unknown pooling "${p}"; use ${POOLINGS.join(', ')}.`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`${where}: batchSize must be a positive integer, got ${batchSize}.`);
  const indices = opts.indices ?? Int32Array.from({ length: source.size }, (_, i) => i);
  const n = indices.length;
  const entries = new Map<string, { data: Float32Array | null; tokens: number; channels: number; layer: number; pooling: Pooling; attention: ReadoutAttention }>();
  for (const attention of attentions) {
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(n, start + batchSize);
      const batchIdx = Array.from({ length: end - start }, (_, j) => indices[start + j]!);
      const images = imageBatch(source, batchIdx, opts.scale);
      let outs: tf.Tensor3D[];
      try {
        outs = extractor.extract(images, { layers, attention });
      } finally {
        images.dispose();
      }
      try {
        if (outs.length !== layers.length) {
          throw new Error(`${where}: the extractor returned ${outs.length} tensors for ${layers.length} requested layers.`);
        }
        for (let li = 0; li < layers.length; li++) {
          const t = outs[li]!;
          if (t.rank !== 3 || t.shape[0] !== end - start) {
            throw new Error(`${where}: the extractor returned shape [${t.shape.join(', ')}] for layer ${layers[li]}; expected [B=${end - start}, L, C].`);
          }
          const [, tokens, channels] = t.shape;
          for (const pooling of poolings) {
            const k = key(layers[li]!, pooling, attention);
            let e = entries.get(k);
            if (!e) {
              e = { data: null, tokens, channels, layer: layers[li]!, pooling, attention };
              entries.set(k, e);
            }
            if (e.tokens !== tokens || e.channels !== channels) {
              throw new Error(`${where}: layer ${layers[li]} gave [B, ${tokens}, ${channels}] in one batch and [B, ${e.tokens}, ${e.channels}] in another.`);
            }
            const dim = pooledDim(pooling, tokens, channels);
            e.data ??= new Float32Array(n * dim);
            const pooled = poolTokens(t, pooling);
            const values = (await pooled.data()) as Float32Array;
            pooled.dispose();
            e.data.set(values, start * dim);
          }
        }
      } finally {
        for (const t of outs) t.dispose();
      }
      opts.onProgress?.(end, n, attention);
    }
  }
  const list: CachedFeatures[] = [...entries.values()].map((e) => ({
    layer: e.layer,
    pooling: e.pooling,
    attention: e.attention,
    tokens: e.tokens,
    channels: e.channels,
    features: featureMatrix(e.data ?? new Float32Array(0), n, pooledDim(e.pooling, e.tokens, e.channels)),
  }));
  const byKey = new Map(list.map((e) => [key(e.layer, e.pooling, e.attention), e]));
  return {
    size: n,
    entries: list,
    get(layer, pooling, attention) {
      const e = byKey.get(key(layer, pooling, attention));
      if (!e) {
        throw new Error(`FeatureCache.get: no features for layer ${layer}, pooling ${pooling}, attention ${attention}; cached: ${[...byKey.keys()].join(', ') || 'nothing'}.`);
      }
      return e;
    },
  };
}
