/**
 * One pre-LayerNorm Transformer block:
 * `x ← x + dropPath(attn(LN1(x)))`, then `x ← x + dropPath(mlp(LN2(x)))`.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertShape, Rng } from '@darl/tensor-backend';
import { headDim, mlpWidth, type TransformerConfig } from './config.js';
import { attend, initAttention, type AttentionMode, type AttentionParams, type PastKeyValues } from './attention.js';
import { dropPath } from './drop-path.js';
import { initLayerNorm, layerNorm, type LayerNormParams } from './layer-norm.js';
import { initMlp, mlp2d, type MlpParams } from './mlp.js';
import type { RopeTables } from './rope.js';

/** Parameters of one block; paths `norm1/gamma`, `attn/wqkv`, `mlp/w1`, … */
export type BlockParams<T extends tf.Tensor = tf.Variable> = {
  /** LayerNorm before attention. */
  readonly norm1: LayerNormParams<T>;
  /** Multi-head self-attention. */
  readonly attn: AttentionParams<T>;
  /** LayerNorm before the MLP. */
  readonly norm2: LayerNormParams<T>;
  /** The two-layer GELU MLP. */
  readonly mlp: MlpParams<T>;
}

/** Creates one block's variables (attention weights drawn before MLP weights from the same `Rng`). */
export function initBlock(config: TransformerConfig, opts: { seed: number | Rng }): BlockParams {
  const rng = typeof opts.seed === 'number' ? new Rng(opts.seed) : opts.seed;
  return {
    norm1: initLayerNorm(config.width),
    attn: initAttention(config, { seed: rng }),
    norm2: initLayerNorm(config.width),
    mlp: initMlp(config, { seed: rng }),
  };
}

/** Options of one block call. */
export interface BlockOptions {
  /** `causal` (default) or `full`. */
  readonly attention?: AttentionMode;
  /** RoPE tables `[L, dh]` for the new tokens, if the model uses RoPE. */
  readonly rope?: RopeTables;
  /** Cached keys/values `[B·H, T, dh]` of earlier tokens (causal only). */
  readonly past?: PastKeyValues;
  /** Precomputed additive mask `[L, T + L]`. */
  readonly mask?: tf.Tensor2D;
  /** Return the block's keys and values `[B·H, T + L, dh]` too (for a KV cache). */
  readonly returnKeyValues?: boolean;
  /** Drop-path source; without it (or with `dropRate` 0) the block is deterministic. */
  readonly rng?: Rng;
  /** Drop-path rate of this block. */
  readonly dropRate?: number;
}

/** Internal block without shape checks; call inside `tf.tidy`. */
export function block(
  params: BlockParams<tf.Tensor>,
  config: TransformerConfig,
  x: tf.Tensor3D,
  opts: BlockOptions,
): { output: tf.Tensor3D; keys?: tf.Tensor3D; values?: tf.Tensor3D } {
  const [B, L, D] = x.shape;
  const eps = config.layerNormEps;
  const rate = opts.dropRate ?? 0;
  const drop = (t: tf.Tensor): tf.Tensor => (opts.rng && rate > 0 ? dropPath(t, rate, opts.rng) : t);
  const a = attend(params.attn, config, layerNorm(x, params.norm1.gamma, params.norm1.beta, eps) as tf.Tensor3D, opts);
  const x1 = tf.add(x, drop(a.output));
  const h = layerNorm(tf.reshape(x1, [B * L, D]), params.norm2.gamma, params.norm2.beta, eps) as tf.Tensor2D;
  const m = tf.reshape(mlp2d(params.mlp, h), [B, L, D]);
  const output = tf.add(x1, drop(m)) as tf.Tensor3D;
  return { output, keys: a.keys, values: a.values };
}

/**
 * Applies one block.
 *
 * @param x float32 `[B, L, D]`, the residual stream
 * @returns float32 `[B, L, D]`, the residual stream after the block (owned by the caller)
 */
export function applyBlock(
  params: BlockParams<tf.Tensor>,
  config: TransformerConfig,
  x: tf.Tensor3D,
  opts: BlockOptions = {},
): tf.Tensor3D {
  const where = 'applyBlock';
  const D = config.width;
  const dims = assertShape(where, 'x', x.shape, ['B', 'L', D]);
  assertShape(where, 'params.attn.wqkv', params.attn.wqkv.shape, [D, 3 * D]);
  assertShape(where, 'params.mlp.w1', params.mlp.w1.shape, [D, mlpWidth(config)]);
  assertShape(where, 'params.norm1.gamma', params.norm1.gamma.shape, [D]);
  if (opts.rope) assertShape(where, 'rope.cos', opts.rope.cos.shape, [dims.L!, headDim(config)]);
  if (opts.past) {
    if (opts.attention === 'full') throw new Error(`${where}: past keys/values need causal attention; got attention "full".`);
    assertShape(where, 'past.keys', opts.past.keys.shape, [dims.B! * config.heads, null, headDim(config)]);
  }
  return tf.tidy(() => block(params, config, x, opts).output);
}
