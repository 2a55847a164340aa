/**
 * Linear (dense) layer `y = x·W + b`, always computed as one plain 2-D matmul `[N, in] × [in, out]` (the fast path of
 * the wasm backend): inputs of any rank are flattened to 2-D first.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertShape, linear, Rng, toVariable } from '@darl/tensor-backend';
import type { TransformerInit } from './config.js';
import { initWeight } from './init.js';

/** Parameters of a Linear layer: `w float32 [in, out]`, `b float32 [out]`. */
export type LinearParams<T extends tf.Tensor = tf.Variable> = {
  /** Weight float32 `[in, out]`. */
  readonly w: T;
  /** Bias float32 `[out]`. */
  readonly b: T;
}

/**
 * How a Linear layer's weight starts: a {@link TransformerInit} (see `initWeight`), all zeros (adaLN-Zero's
 * modulation and output layers), or N(0, std²). Biases always start at zero.
 */
export type LinearInit = TransformerInit | 'zero' | {
  /** Standard deviation of the N(0, std²) draw. */
  readonly normalStd: number;
};

/**
 * Creates a Linear layer's variables: weight by `init`, bias zero.
 *
 * @param opts.seed a seed or an `Rng` (advanced by the draw; `zero` draws nothing)
 * @param opts.init `trunc-normal` (default), `xavier`, `zero` or `{ normalStd }`
 */
export function initLinear(
  inDim: number,
  outDim: number,
  opts: { seed: number | Rng; init?: LinearInit },
): LinearParams {
  const init = opts.init ?? 'trunc-normal';
  const rng = typeof opts.seed === 'number' ? new Rng(opts.seed) : opts.seed;
  const w =
    init === 'zero'
      ? tf.zeros([inDim, outDim])
      : typeof init === 'object'
        ? rng.normal([inDim, outDim], { std: init.normalStd })
        : initWeight(inDim, outDim, init, rng);
  return { w: toVariable(w), b: toVariable(tf.zeros([outDim])) };
}

/**
 * `x [N, in] · w [in, out] + b [out]` for a 2-D `x`; internal, no shape checks. `@darl/tensor-backend`'s op: one
 * fused kernel on the native backend, `matMul` + `add` elsewhere.
 */
export function linear2d(x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  return linear(x, w, b);
}

/**
 * Applies a Linear layer to the last axis. The result has the rank of `x` (a `tf.Tensor3D` in, a `tf.Tensor3D` out).
 *
 * @param x float32 `[..., in]`
 * @returns float32 `[..., out]` (owned by the caller)
 */
export function applyLinear<R extends tf.Rank>(params: LinearParams<tf.Tensor>, x: tf.Tensor<R>): tf.Tensor<R> {
  const dims = assertShape('applyLinear', 'params.w', params.w.shape, ['in', 'out']);
  assertShape('applyLinear', 'params.b', params.b.shape, ['out'], dims);
  if (x.rank < 1) assertShape('applyLinear', 'x', x.shape, ['in'], dims);
  assertShape('applyLinear', 'x', x.shape, [...new Array<null>(x.rank - 1).fill(null), 'in'], dims);
  return tf.tidy(() => {
    const inDim = dims.in!;
    const y = linear2d(tf.reshape(x, [-1, inDim]) as tf.Tensor2D, params.w, params.b);
    const out: tf.Tensor = tf.reshape(y, [...x.shape.slice(0, -1), dims.out!]);
    return out as tf.Tensor<R>;
  });
}
