/**
 * Scaled dot-product attention as one op: `softmax(scale · q kᵀ + mask) v`, on every head at once.
 *
 * Where the current backend has darl's fused kernel (registered by `useBackend('native')` when the native addon
 * loaded, and by `useBackend('webgpu')` as WGSL programs) the scores, mask, softmax and value product run as one kernel forward and one backward, which hold one
 * query row's scores at a time per thread (never the `[L, S]` matrix) and save only each row's log-sum-exp for the
 * gradient (the backward pass recomputes the probabilities from it). Every other backend
 * (cpu, plain wasm, webgl) runs the composite tfjs code — scale, `matMul(q, k, false, true)`, additive causal
 * mask, `softmax`, `matMul` — with tfjs's own gradients, so its numbers are what they were before the op existed.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertShape, ShapeError } from '../shapes.js';
import { causalMask } from './attention-mask.js';
import { FUSED_ATTENTION, FUSED_ATTENTION_GRAD, type FusedAttentionAttrs } from './attention-kernels.js';

/** Options of {@link fusedAttention}. */
export interface FusedAttentionOptions {
  /** Multiplies the scores `q·k`; default `1/√dh`. */
  readonly scale?: number;
  /**
   * `true`: query `i` sees keys `j ≤ S − L + i` — the queries are the last `L` tokens of the `S` keys' sequence (with
   * a KV cache, the `S − L` cached tokens come first). `false` (default): every query sees every key.
   */
  readonly causal?: boolean;
}

/** True when the current backend has darl's fused attention kernels. */
export function hasFusedAttentionKernel(): boolean {
  const backend = tf.getBackend();
  return tf.getKernel(FUSED_ATTENTION, backend) !== undefined && tf.getKernel(FUSED_ATTENTION_GRAD, backend) !== undefined;
}

function compositeAttention(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, attrs: FusedAttentionAttrs): tf.Tensor3D {
  const L = q.shape[1];
  const S = k.shape[1];
  let scores = tf.matMul(tf.mul(q, attrs.scale), k, false, true); // [N, L, S]
  if (attrs.causal && L > 1) scores = tf.add(scores, causalMask(L, S - L));
  return tf.matMul(tf.softmax(scores), v);
}

function kernelAttention(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, attrs: FusedAttentionAttrs): tf.Tensor3D {
  const attrMap = attrs as unknown as tf.NamedAttrMap;
  const run = tf.customGrad((qi, ki, vi, save) => {
    const inputs = { q: qi as tf.Tensor, k: ki as tf.Tensor, v: vi as tf.Tensor };
    const [out, lse] = tf.engine().runKernel(FUSED_ATTENTION, inputs, attrMap) as tf.Tensor[];
    (save as tf.GradSaveFunc)([inputs.q, inputs.k, inputs.v, out!, lse!]);
    return {
      value: out as tf.Tensor3D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sq, sk, sv, so, slse] = saved;
        const grads = { q: sq!, k: sk!, v: sv!, out: so!, lse: slse!, dy };
        return tf.engine().runKernel(FUSED_ATTENTION_GRAD, grads, attrMap) as tf.Tensor[];
      },
    };
  });
  return run(q, k, v) as tf.Tensor3D;
}

/**
 * Attention of `N` independent (batch, head) items.
 *
 * @param q float32 `[N, L, dh]` queries
 * @param k float32 `[N, S, dh]` keys (`S ≥ L` when causal; `S ≥ 1` when `L ≥ 1`)
 * @param v float32 `[N, S, dh]` values
 * @returns float32 `[N, L, dh]` (owned by the caller); differentiable with respect to `q`, `k` and `v`
 */
export function fusedAttention(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, opts: FusedAttentionOptions = {}): tf.Tensor3D {
  const where = 'fusedAttention';
  const dims = assertShape(where, 'q', q.shape, ['N', 'L', 'dh']);
  assertShape(where, 'k', k.shape, ['N', 'S', 'dh'], dims);
  assertShape(where, 'v', v.shape, ['N', 'S', 'dh'], { ...dims, S: k.shape[1] });
  const L = dims.L!;
  const S = k.shape[1];
  const causal = opts.causal ?? false;
  if (causal && S < L) {
    throw new ShapeError(`${where}: causal attention needs at least as many keys as queries (the queries are the last L tokens); got L=${L} queries and S=${S} keys.`);
  }
  if (L > 0 && S === 0) throw new ShapeError(`${where}: ${L} queries have no keys to attend to (S=0).`);
  const attrs: FusedAttentionAttrs = { scale: opts.scale ?? 1 / Math.sqrt(dims.dh!), causal };
  if (q.dtype === 'float32' && hasFusedAttentionKernel()) return kernelAttention(q, k, v, attrs);
  return tf.tidy(() => compositeAttention(q, k, v, attrs));
}
