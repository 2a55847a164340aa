/**
 * Multi-head self-attention straight from a fused qkv projection: head split, RoPE on queries and keys, scores,
 * mask, softmax, value product and head merge as one op.
 *
 * Where the current backend has darl's qkv attention kernels (the native backend; webgpu, as two WGSL programs each
 * way), that is one kernel forward and one backward: q, k and v are read as strided views of the projection, rotated
 * as they are read, and the output is written with its heads merged, so no transpose, slice or RoPE op runs. Every other backend runs the composite tfjs
 * code ({@link splitHeads}, {@link fusedAttention}, {@link mergeHeads}), whose numbers are those of the code this
 * op replaced.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertShape } from '../shapes.js';
import { fusedAttention } from './attention.js';
import { QKV_ATTENTION, QKV_ATTENTION_GRAD, type QkvAttentionAttrs } from './attention-kernels.js';
import type { RotaryTables } from './attention-rope.js';
import { mergeHeads, projectionHeadDim, splitHeads } from './attention-heads.js';

/** Options of {@link qkvAttention}. */
export interface QkvAttentionOptions {
  /** Heads `H`; the projection's last axis is `3 · H · dh`. */
  readonly heads: number;
  /** Token `i` sees tokens `≤ i` (default false: every token sees every token). */
  readonly causal?: boolean;
  /** Multiplies the scores `q·k`; default `1/√dh`. */
  readonly scale?: number;
  /** RoPE tables `[L, dh]` rotating queries and keys; omit for none. */
  readonly rope?: RotaryTables;
}

function hasKernels(): boolean {
  const backend = tf.getBackend();
  return tf.getKernel(QKV_ATTENTION, backend) !== undefined && tf.getKernel(QKV_ATTENTION_GRAD, backend) !== undefined;
}

/** The composite path: heads split (and rotated), {@link fusedAttention}, heads merged. */
function compositeQkvAttention(qkv: tf.Tensor3D, attrs: QkvAttentionAttrs, rope: RotaryTables | undefined): tf.Tensor3D {
  const { q, k, v } = splitHeads(qkv, attrs.heads, rope);
  return mergeHeads(fusedAttention(q, k, v, { scale: attrs.scale, causal: attrs.causal }), attrs.heads);
}

function kernelQkvAttention(qkv: tf.Tensor3D, attrs: QkvAttentionAttrs, rope: RotaryTables | undefined): tf.Tensor3D {
  const attrMap = attrs as unknown as tf.NamedAttrMap;
  const tables = rope ? [rope.cos, rope.sin] : [];
  const named = (t: tf.Tensor[]): tf.NamedTensorMap => (t.length ? { cos: t[0]!, sin: t[1]! } : {});
  const run = tf.customGrad((x, save) => {
    const [out, lse] = tf.engine().runKernel(QKV_ATTENTION, { qkv: x as tf.Tensor, ...named(tables) }, attrMap) as tf.Tensor[];
    // The tables are saved too: tfjs disposes the forward pass's other tensors before the backward pass runs.
    (save as tf.GradSaveFunc)([x as tf.Tensor, out!, lse!, ...tables]);
    return {
      value: out as tf.Tensor3D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, so, slse, ...st] = saved;
        return tf.engine().runKernel(QKV_ATTENTION_GRAD, { qkv: sx!, out: so!, lse: slse!, dy, ...named(st) }, attrMap) as tf.Tensor;
      },
    };
  });
  return run(qkv) as tf.Tensor3D;
}

/**
 * Self-attention of `L` tokens from their fused projection.
 *
 * @param qkv float32 `[B, L, 3·H·dh]`: per token `[q | k | v]`, each `[H, dh]` head-major
 * @returns float32 `[B, L, H·dh]`, the heads' outputs merged per token (owned by the caller); differentiable with
 *   respect to `qkv` (the RoPE tables are constants)
 */
export function qkvAttention(qkv: tf.Tensor3D, opts: QkvAttentionOptions): tf.Tensor3D {
  const where = 'qkvAttention';
  const H = opts.heads;
  const dims = assertShape(where, 'qkv', qkv.shape, ['B', 'L', 'D3']);
  const D3 = dims.D3!;
  const dh = projectionHeadDim(where, D3, H);
  const rope = opts.rope;
  if (rope) {
    assertShape(where, 'rope.cos', rope.cos.shape, [dims.L!, dh]);
    assertShape(where, 'rope.sin', rope.sin.shape, [dims.L!, dh]);
  }
  const attrs: QkvAttentionAttrs = {
    scale: opts.scale ?? 1 / Math.sqrt(dh),
    causal: opts.causal ?? false,
    heads: H,
    sections: rope ? rope.sections : 0,
  };
  if (qkv.dtype === 'float32' && dims.L! > 0 && hasKernels()) return kernelQkvAttention(qkv, attrs, rope);
  return tf.tidy(() => compositeQkvAttention(qkv, attrs, rope));
}
