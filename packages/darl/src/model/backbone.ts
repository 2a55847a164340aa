/**
 * The backbone: a causal sequence model over patch tokens. DARL's default is @darl/transformer's decoder-only
 * Transformer; any model implementing {@link DarlBackbone} can replace it.
 *
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';
import {
  applyTransformer,
  createKVCache,
  disposeKVCache,
  initTransformer,
  type KVCache,
  type TokenPositions,
  type TransformerConfig,
  type TransformerParams,
} from '@darl/transformer';
import type { Rng, TensorTree } from '@darl/tensor-backend';

/** Options of one backbone call. */
export interface BackboneApplyOptions<Cache> {
  /** (row, column) of each token of this call. */
  readonly positions: TokenPositions;
  /** Causal (pretraining, generation) or full (readout). */
  readonly attention: 'causal' | 'full';
  /** Also return the residual stream after every block. */
  readonly returnHidden?: boolean;
  /** Incremental decoding state; the call appends to it. */
  readonly cache?: Cache;
  /** Enables stochastic regularisation (drop-path) when given. */
  readonly rng?: Rng;
}

/** A causal sequence model over token embeddings of width {@link DarlBackbone.width}. */
export interface DarlBackbone<P = TensorTree, Cache = unknown> {
  /** Name of the backbone kind (`transformer` for the default), recorded in the run directory. */
  readonly kind: string;
  /** Token width C. */
  readonly width: number;
  /** Number of blocks (layers that `returnHidden` reports). */
  readonly depth: number;
  /** Creates the backbone's variables, seeded. */
  init(seed: number): P;
  /**
   * @param tokens float32 [B, L, C]
   * @returns output float32 [B, L, C]; hidden: `depth` tensors [B, L, C] when requested
   */
  apply(
    params: P,
    tokens: tf.Tensor3D,
    opts: BackboneApplyOptions<Cache>,
  ): {
    /** Output tokens float32 `[B, L, C]`. */
    output: tf.Tensor3D;
    /** The residual stream after each block, `depth` tensors float32 `[B, L, C]`, when `returnHidden` was set. */
    hidden?: tf.Tensor3D[];
  };
  /** Creates an empty incremental-decoding cache for `batch` sequences. */
  createCache(batch: number): Cache;
  /** Frees the tensors a cache holds. */
  disposeCache(cache: Cache): void;
}

/** The default backbone: @darl/transformer with the given (resolved) config. */
export function transformerBackbone(config: TransformerConfig): DarlBackbone<TransformerParams, KVCache> {
  return {
    kind: 'transformer',
    width: config.width,
    depth: config.depth,
    init: (seed) => initTransformer(config, { seed }),
    apply: (params, tokens, opts) =>
      applyTransformer(params, config, tokens, {
        positions: opts.positions,
        attention: opts.attention,
        ...(opts.returnHidden ? { returnHidden: true } : {}),
        ...(opts.cache ? { cache: opts.cache } : {}),
        ...(opts.rng ? { rng: opts.rng } : {}),
      }),
    createCache: (batch) => createKVCache(config, batch),
    disposeCache: (cache) => disposeKVCache(cache),
  };
}
