/**
 * The whole attention layer of one incremental-decoding step: the qkv projection, {@link kvCacheAttention} and the
 * output projection. On the native backend that is one kernel call per block and token (the projections run on the
 * addon's GEMM inside it) instead of nine tfjs ops; generating an image is thousands of such steps, and at batch 1
 * the per-op overhead, not arithmetic, is what they cost. Elsewhere, and while gradients are recorded, it is the
 * composite tfjs code: `x·wqkv + bqkv`, {@link kvCacheAttention}, `merged·wo + bo`.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertShape } from '../shapes.js';
import { projectionHeadDim } from './attention-heads.js';
import { KV_CACHE_ATTENTION_LAYER, type QkvAttentionAttrs } from './attention-kernels.js';
import { checkCacheInputs, kvCacheAttention, recordingGradients, type KvCacheAttentionOptions, type KvCacheAttentionResult } from './attention-kv-cache.js';

/** The layer's weights: `wqkv [D, 3D]` (output channels `[q | k | v]`, each `[H, dh]`), `bqkv [3D]`, `wo [D, D]`, `bo [D]`. */
export interface AttentionLayerWeights {
  /** Fused query/key/value projection float32 `[D, 3D]`, output channels `[q | k | v]`, each `[H, dh]`. */
  readonly wqkv: tf.Tensor;
  /** Bias of the fused projection float32 `[3D]`. */
  readonly bqkv: tf.Tensor;
  /** Output projection float32 `[D, D]`. */
  readonly wo: tf.Tensor;
  /** Bias of the output projection float32 `[D]`. */
  readonly bo: tf.Tensor;
}

/**
 * One decoding step of an attention layer with a KV cache.
 *
 * @param x float32 `[B, L, D]`, the `L` new tokens (after the block's LayerNorm)
 * @returns `output` float32 `[B, L, D]` and the grown cache `keys`, `values` `[B·H, T + L, dh]` (all owned by the
 *   caller)
 */
export function kvCacheAttentionLayer(x: tf.Tensor3D, weights: AttentionLayerWeights, opts: KvCacheAttentionOptions): KvCacheAttentionResult {
  const where = 'kvCacheAttentionLayer';
  const dims = assertShape(where, 'x', x.shape, ['B', 'L', 'D']);
  const [B, L, D] = [dims.B!, dims.L!, dims.D!];
  assertShape(where, 'weights.wqkv', weights.wqkv.shape, [D, 3 * D]);
  assertShape(where, 'weights.bqkv', weights.bqkv.shape, [3 * D]);
  assertShape(where, 'weights.wo', weights.wo.shape, [D, D]);
  assertShape(where, 'weights.bo', weights.bo.shape, [D]);
  const H = opts.heads;
  const dh = projectionHeadDim(where, 3 * D, H);
  const { past, rope } = opts;
  const float32 = [x, weights.wqkv, weights.bqkv, weights.wo, weights.bo].every((t) => t.dtype === 'float32');
  if (float32 && B * L > 0 && !recordingGradients() && tf.getKernel(KV_CACHE_ATTENTION_LAYER, tf.getBackend()) !== undefined) {
    checkCacheInputs(where, opts, B * H, L, dh);
    const attrs: QkvAttentionAttrs = { scale: opts.scale ?? 1 / Math.sqrt(dh), causal: true, heads: H, sections: rope ? rope.sections : 0 };
    const inputs: tf.NamedTensorMap = {
      x,
      ...weights,
      ...(past ? { pastKeys: past.keys, pastValues: past.values } : {}),
      ...(rope ? { cos: rope.cos, sin: rope.sin } : {}),
    };
    const [output, keys, values] = tf.engine().runKernel(KV_CACHE_ATTENTION_LAYER, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor3D[];
    return { output: output!, keys: keys!, values: values! };
  }
  return tf.tidy(() => {
    const qkv = tf.reshape(tf.add(tf.matMul(tf.reshape(x, [B * L, D]) as tf.Tensor2D, weights.wqkv as tf.Tensor2D), weights.bqkv), [B, L, 3 * D]) as tf.Tensor3D;
    const r = kvCacheAttention(qkv, opts);
    const output = tf.reshape(tf.add(tf.matMul(tf.reshape(r.output, [B * L, D]) as tf.Tensor2D, weights.wo as tf.Tensor2D), weights.bo), [B, L, D]) as tf.Tensor3D;
    return { output, keys: r.keys, values: r.values };
  });
}
