/**
 * A custom DARL backbone without attention: the "causal mix". Each layer mixes every token with the running mean of
 * all tokens up to it (a causal prefix average) through a GELU MLP, with a residual connection:
 *
 *   h = LayerNorm(x)                       [B, T, C]
 *   m_t = (h_1 + … + h_t) / t              [B, T, C]   (causal: token t sees only tokens ≤ t)
 *   x ← x + W₂ · gelu(W₁ · [h ; m] + b₁) + b₂
 *
 * Positions are learned row and column embeddings added to the input tokens (looked up with one-hot matmuls, which
 * are fast on every backend). It implements darl's `DarlBackbone` interface — `init`, `apply` (with `returnHidden`
 * for the features of every layer) and an incremental-decoding cache (`createCache`/`disposeCache`) that keeps each
 * layer's running sum, so `generate` works on it exactly as on the Transformer.
 *
 * Glossary: B batch, T tokens in this call, C width, R × K patch grid.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@darl/tensor-backend';
import { applyLayerNorm, applyLinear, gelu, initLayerNorm, initLinear, type LayerNormParams, type LinearParams } from '@darl/transformer';
import type { DarlBackbone } from '@darl/darl';

/** Shape of the causal-mix backbone. */
export interface CausalMixConfig {
  readonly width: number;
  readonly depth: number;
  /** Hidden width of each layer's MLP. */
  readonly hidden: number;
  /** Patch grid (rows × cols) the position embeddings cover. */
  readonly rows: number;
  readonly cols: number;
}

/** Parameters of one causal-mix layer. */
export interface CausalMixLayer {
  readonly norm: LayerNormParams;
  readonly up: LinearParams;
  readonly down: LinearParams;
}

/** Parameters of the backbone. */
export interface CausalMixParams {
  /** Row position embedding [R, C]. */
  readonly row: tf.Variable;
  /** Column position embedding [K, C]. */
  readonly col: tf.Variable;
  readonly layers: readonly CausalMixLayer[];
  readonly norm: LayerNormParams;
}

/** Decoding state: per layer the sum of its normalised inputs so far [B, C], and the number of tokens seen. */
export interface CausalMixCache {
  sums: (tf.Tensor2D | null)[];
  count: number;
}

/** The causal-mix backbone as a `DarlBackbone`. */
export function causalMixBackbone(config: CausalMixConfig): DarlBackbone<CausalMixParams, CausalMixCache> {
  const { width, depth, hidden, rows, cols } = config;
  return {
    kind: 'causal-mix',
    width,
    depth,
    init(seed: number): CausalMixParams {
      const rng = new Rng(seed);
      const table = (n: number, label: string) => {
        const t = rng.fork(label).truncatedNormal([n, width], { std: 0.02 });
        const v = tf.variable(t, true);
        t.dispose();
        return v;
      };
      return {
        row: table(rows, 'row'),
        col: table(cols, 'col'),
        layers: Array.from({ length: depth }, (_, i) => ({
          norm: initLayerNorm(width),
          up: initLinear(2 * width, hidden, { seed: rng.fork(`up-${i}`) }),
          down: initLinear(hidden, width, { seed: rng.fork(`down-${i}`) }),
        })),
        norm: initLayerNorm(width),
      };
    },
    apply(params, tokens, opts) {
      const cache = opts.cache;
      const [b, t, c] = tokens.shape;
      if (c !== width) throw new Error(`causalMixBackbone.apply: tokens must be [B, T, ${width}], got [${tokens.shape.join(', ')}].`);
      const start = cache?.count ?? 0;
      const result = tf.tidy(() => {
        const oneHot = (idx: Int32Array, n: number) => tf.cast(tf.oneHot(tf.tensor1d(idx, 'int32'), n), 'float32') as tf.Tensor2D; // [T, n]
        const pos = tf.add(tf.matMul(oneHot(opts.positions.rows, rows), params.row), tf.matMul(oneHot(opts.positions.cols, cols), params.col)); // [T, C]
        let x = tf.add(tokens, pos) as tf.Tensor3D; // [B, T, C]
        const counts = tf.reshape(tf.range(start + 1, start + t + 1), [1, t, 1]); // tokens seen at each position
        const hiddenStates: tf.Tensor3D[] = [];
        params.layers.forEach((layer, i) => {
          const h = applyLayerNorm(layer.norm, x) as tf.Tensor3D; // [B, T, C]
          // Running sums along the tokens. tf.cumsum runs on the last axis here because tfjs 4.22's Cumsum gradient
          // returns a wrongly transposed shape for any other axis.
          let sums = tf.transpose(tf.cumsum(tf.transpose(h, [0, 2, 1]), 2), [0, 2, 1]) as tf.Tensor3D; // [B, T, C]
          const past = cache?.sums[i];
          if (past) sums = tf.add(sums, tf.expandDims(past, 1));
          if (cache) {
            const last = tf.keep(tf.reshape(tf.slice(sums, [0, t - 1, 0], [b, 1, c]), [b, c]) as tf.Tensor2D);
            past?.dispose();
            cache.sums[i] = last;
          }
          const mean = tf.div(sums, counts); // [B, T, C]
          const mixed = tf.reshape(tf.concat([h, mean], 2), [b * t, 2 * c]); // [B·T, 2C]
          const z = applyLinear(layer.down, gelu(applyLinear(layer.up, mixed))); // [B·T, C]
          x = tf.add(x, tf.reshape(z, [b, t, c])) as tf.Tensor3D;
          hiddenStates.push(x);
        });
        const output = applyLayerNorm(params.norm, x) as tf.Tensor3D;
        return { output, hidden: opts.returnHidden ? hiddenStates : [] };
      });
      if (cache) cache.count += t;
      return opts.returnHidden ? result : { output: result.output };
    },
    createCache: () => ({ sums: Array.from({ length: depth }, () => null), count: 0 }),
    disposeCache(cache) {
      for (const s of cache.sums) s?.dispose();
      cache.sums = [];
    },
  };
}
