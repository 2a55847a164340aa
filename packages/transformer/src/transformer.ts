/**
 * The decoder-only Transformer: `initTransformer` creates the parameters, `applyTransformer` runs
 * position encoding → `depth` pre-LN blocks → final LayerNorm.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertShape, Rng, ShapeError, toVariable } from '@darl/tensor-backend';
import { headDim, type TransformerConfig } from './config.js';
import type { AttentionMode } from './attention.js';
import { block, initBlock, type BlockParams } from './block.js';
import { dropPathRate } from './drop-path.js';
import { initWeight } from './init.js';
import type { KVCache } from './kv-cache.js';
import { initLayerNorm, layerNorm, type LayerNormParams } from './layer-norm.js';
import { assertPositions, type TokenPositions } from './positions.js';
import { ropeTables, type RopeTables } from './rope.js';
import { sincos2dTable } from './sincos-position.js';

/**
 * Parameters of a Transformer (a TensorTree): paths `blocks/0/norm1/gamma`, `blocks/0/attn/wqkv`, `blocks/0/attn/bqkv`,
 * `blocks/0/attn/wo`, `blocks/0/attn/bo`, `blocks/0/norm2/…`, `blocks/0/mlp/w1|b1|w2|b2`, `norm/gamma|beta`, and
 * `pos` (`[maxTokens, D]`) for learned positions.
 */
export type TransformerParams<T extends tf.Tensor = tf.Variable> = {
  /** The `depth` Transformer blocks, input first. */
  readonly blocks: readonly BlockParams<T>[];
  /** Final LayerNorm over the last block's output. */
  readonly norm: LayerNormParams<T>;
  /** Learned position table float32 `[maxTokens, D]`, present only with `position: 'learned'`. */
  readonly pos?: T;
}

/**
 * Creates the parameters. Linear weights (qkv, output projection, MLP) follow `config.init`: `trunc-normal` draws
 * N(0, 0.02²) truncated at ±2σ, `xavier` draws Xavier-uniform per matrix (qkv as one `[D, 3D]` matrix, as MAE).
 * The learned position table (if any) is always truncated normal with std 0.02. Biases and LayerNorm betas are 0,
 * LayerNorm gammas 1. Same seed → same numbers on every backend.
 */
export function initTransformer(config: TransformerConfig, opts: { seed: number | Rng }): TransformerParams {
  const rng = typeof opts.seed === 'number' ? new Rng(opts.seed) : opts.seed;
  const blockRngs = rng.split(config.depth);
  const blocks = blockRngs.map((r) => initBlock(config, { seed: r }));
  const params: { blocks: BlockParams[]; norm: LayerNormParams; pos?: tf.Variable } = {
    blocks,
    norm: initLayerNorm(config.width),
  };
  if (config.position === 'learned') {
    params.pos = toVariable(initWeight(config.maxTokens, config.width, 'trunc-normal', rng.fork('pos')));
  }
  return params;
}

/** Options of {@link applyTransformer}. */
export interface ApplyTransformerOptions {
  /**
   * (row, col) of each of the `L` tokens; required for `rope2d` and `sincos2d`, ignored by the 1-D encodings,
   * which use the sequence index (offset by the cache length).
   */
  readonly positions?: TokenPositions;
  /** `causal` (default) or `full`; the same weights serve both. A cache requires `causal`. */
  readonly attention?: AttentionMode;
  /** Also return the residual stream after every block. */
  readonly returnHidden?: boolean;
  /** KV cache: the tokens continue the cached sequences, and their keys/values are appended to it. */
  readonly cache?: KVCache;
  /** Enables stochastic depth (training only) at `config.dropPath`. */
  readonly rng?: Rng;
}

/** Output of {@link applyTransformer}. */
export interface TransformerOutput {
  /** float32 `[B, L, D]`, after the final LayerNorm. */
  readonly output: tf.Tensor3D;
  /** `depth` entries, float32 `[B, L, D]`: the residual stream after each block (before the final LayerNorm). */
  readonly hidden?: tf.Tensor3D[];
}

function checkCache(config: TransformerConfig, cache: KVCache, batch: number): void {
  const where = 'applyTransformer';
  if (cache.width !== config.width || cache.heads !== config.heads || cache.layers.length !== config.depth) {
    throw new Error(
      `${where}: "cache" was created for width ${cache.width}, ${cache.heads} heads, depth ${cache.layers.length}, but the ` +
        `config has width ${config.width}, ${config.heads} heads, depth ${config.depth}. Create it with createKVCache(config, batch).`,
    );
  }
  if (cache.batch !== batch) {
    throw new ShapeError(`${where}: "tokens" has batch B=${batch} but "cache" was created for batch ${cache.batch}.`);
  }
}

/**
 * Runs the Transformer. Pure apart from appending to `opts.cache`.
 *
 * @param tokens float32 `[B, L, D]`, embedded tokens (e.g. patch embeddings with the SOS vector first)
 * @returns `output` float32 `[B, L, D]` and, with `returnHidden`, `hidden` (`depth` × `[B, L, D]`); owned by the caller
 *
 * @example
 * const { output } = applyTransformer(params, config, tokens, { positions, attention: 'causal' });
 */
export function applyTransformer(
  params: TransformerParams<tf.Tensor>,
  config: TransformerConfig,
  tokens: tf.Tensor3D,
  opts: ApplyTransformerOptions = {},
): TransformerOutput {
  const where = 'applyTransformer';
  const D = config.width;
  const dims = assertShape(where, 'tokens', tokens.shape, ['B', 'L', D]);
  const B = dims.B!;
  const L = dims.L!;
  if (L === 0) throw new ShapeError(`${where}: "tokens" must hold at least one token, got shape [${tokens.shape.join(', ')}].`);
  if (params.blocks.length !== config.depth) {
    throw new Error(`${where}: "params" has ${params.blocks.length} blocks but config.depth is ${config.depth}; use params made by initTransformer(config).`);
  }
  const attention = opts.attention ?? 'causal';
  if (attention !== 'causal' && attention !== 'full') {
    throw new Error(`${where}: "attention" must be "causal" or "full", got ${JSON.stringify(attention)}.`);
  }
  const cache = opts.cache;
  if (cache) {
    checkCache(config, cache, B);
    if (attention === 'full') {
      throw new Error(`${where}: a KV cache needs causal attention (new tokens see cached and earlier new tokens only); got attention "full".`);
    }
  }
  const offset = cache?.length ?? 0;
  const position = config.position;
  if ((position === 'learned' || position === 'rope1d') && offset + L > config.maxTokens) {
    throw new ShapeError(
      `${where}: sequence positions ${offset}…${offset + L - 1} exceed config.maxTokens ${config.maxTokens} (position "${position}"). ` +
        'Raise maxTokens in the config or feed shorter sequences.',
    );
  }
  if (position === 'rope2d' || position === 'sincos2d') assertPositions(where, opts.positions, L, `for position "${position}"`);
  else if (opts.positions) assertPositions(where, opts.positions, L, '');
  if (position === 'learned') {
    if (!params.pos) throw new Error(`${where}: config.position is "learned" but "params.pos" is missing; use params made by initTransformer(config).`);
    assertShape(where, 'params.pos', params.pos.shape, [config.maxTokens, D]);
  }
  params.blocks.forEach((b, i) => assertShape(where, `params.blocks[${i}].attn.wqkv`, b.attn.wqkv.shape, [D, 3 * D]));

  const newLayers: { keys: tf.Tensor3D; values: tf.Tensor3D }[] = [];
  const result = tf.tidy(() => {
    let x: tf.Tensor3D = tokens;
    let rope: RopeTables | undefined;
    if (position === 'learned') {
      x = tf.add(x, tf.slice(params.pos!, [offset, 0], [L, D]));
    } else if (position === 'sincos2d') {
      x = tf.add(x, sincos2dTable(opts.positions!, D));
    } else if (position === 'rope2d') {
      rope = ropeTables([opts.positions!.rows, opts.positions!.cols], headDim(config), config.ropeBase);
    } else if (position === 'rope1d') {
      rope = ropeTables([Int32Array.from({ length: L }, (_, i) => offset + i)], headDim(config), config.ropeBase);
    }
    const hidden: tf.Tensor3D[] = [];
    params.blocks.forEach((p, i) => {
      const layer = cache?.layers[i];
      const past = layer?.keys && layer.values ? { keys: layer.keys, values: layer.values } : undefined;
      const r = block(p, config, x, {
        attention,
        ...(rope ? { rope } : {}),
        ...(past ? { past } : {}),
        ...(cache ? { returnKeyValues: true } : {}),
        ...(opts.rng ? { rng: opts.rng, dropRate: dropPathRate(config.dropPath, i, config.depth) } : {}),
      });
      x = r.output;
      if (opts.returnHidden) hidden.push(x);
      if (cache) newLayers.push({ keys: tf.keep(r.keys!), values: tf.keep(r.values!) });
    });
    const output = layerNorm(x, params.norm.gamma, params.norm.beta, config.layerNormEps) as tf.Tensor3D;
    return opts.returnHidden ? { output, hidden } : { output };
  });
  if (cache) {
    cache.layers.forEach((layer, i) => {
      layer.keys?.dispose();
      layer.values?.dispose();
      layer.keys = newLayers[i]!.keys;
      layer.values = newLayers[i]!.values;
    });
    cache.length = offset + L;
  }
  return result;
}
