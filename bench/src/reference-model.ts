/**
 * The benchmark's reference model (docs/DESIGN.md §3): 28×28×1 images, patch 4 → 49 patches + SOS = 50 tokens, width 128,
 * depth 4, 4 heads, MLP 512 (GELU, erf), 2-D RoPE, batch 64, next-patch MSE. The backbone is `@darl/transformer`
 * itself (the code users train); patch embedding, SOS, head and loss are the few lines around it.
 * `reference/darl_reference.py` is the identical model in PyTorch: same shapes, same operations (including RoPE's
 * rotate-half written as a matmul with a fixed permutation matrix), same FLOPs.
 *
 * Shapes: B batch, N patches, L = N + 1 tokens, D width, PD = P·P·C patch vector length.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@darl/tensor-backend';
import {
  applyTransformer,
  initTransformer,
  rasterPositions,
  transformerConfig,
  type TokenPositions,
  type TransformerConfig,
  type TransformerParams,
} from '@darl/transformer';

/** Reference model configuration. */
export interface BenchModelConfig {
  readonly imageSize: number;
  readonly channels: number;
  readonly patchSize: number;
  readonly width: number;
  readonly depth: number;
  readonly heads: number;
  readonly mlpWidth: number;
  readonly batch: number;
}

export const REFERENCE_CONFIG: BenchModelConfig = {
  imageSize: 28,
  channels: 1,
  patchSize: 4,
  width: 128,
  depth: 4,
  heads: 4,
  mlpWidth: 512,
  batch: 64,
};

/** Number of patches per image. */
export function numPatches(c: BenchModelConfig): number {
  return (c.imageSize / c.patchSize) ** 2;
}

/** Length of one patch vector. */
export function patchDim(c: BenchModelConfig): number {
  return c.patchSize * c.patchSize * c.channels;
}

/** The backbone's `@darl/transformer` config. */
export function backboneConfig(c: BenchModelConfig): TransformerConfig {
  return transformerConfig({
    width: c.width,
    depth: c.depth,
    heads: c.heads,
    mlpRatio: c.mlpWidth / c.width,
    position: 'rope2d',
    maxTokens: numPatches(c) + 1,
  });
}

/** Token positions: SOS at (-1, -1), then the patch grid in raster order. */
export function benchPositions(c: BenchModelConfig): TokenPositions {
  const g = c.imageSize / c.patchSize;
  const grid = rasterPositions(g, g);
  return { rows: Int32Array.of(-1, ...grid.rows), cols: Int32Array.of(-1, ...grid.cols) };
}

export interface BenchParams {
  backbone: TransformerParams;
  embed: { w: tf.Variable; b: tf.Variable };
  sos: tf.Variable;
  head: { w: tf.Variable; b: tf.Variable };
}

/** Parameters: the transformer's own initialisation; truncated-normal(0.02) embedding, SOS and head. */
export function initBenchModel(c: BenchModelConfig, seed: number): BenchParams {
  const rng = new Rng(seed);
  const w = (shape: number[]): tf.Variable => {
    const t = rng.truncatedNormal(shape, { std: 0.02 });
    const v = tf.variable(t);
    t.dispose();
    return v;
  };
  const zeros = (n: number): tf.Variable => tf.variable(tf.zeros([n]));
  return {
    backbone: initTransformer(backboneConfig(c), { seed: rng.fork('backbone') }),
    embed: { w: w([patchDim(c), c.width]), b: zeros(c.width) },
    sos: w([1, 1, c.width]),
    head: { w: w([c.width, patchDim(c)]), b: zeros(patchDim(c)) },
  };
}

/**
 * Next-patch MSE of a batch `patches [B, N, PD]`: inputs `[SOS, p1 … pN]` (L = N + 1 tokens, causal), outputs
 * 0 … N-1 predict p1 … pN.
 */
export function benchLoss(p: BenchParams, c: BenchModelConfig, patches: tf.Tensor3D, positions: TokenPositions): tf.Scalar {
  const [B, N, PD] = patches.shape;
  const D = c.width;
  const emb = tf.reshape(tf.add(tf.matMul(tf.reshape(patches, [B * N, PD]), p.embed.w), p.embed.b), [B, N, D]);
  const tokens = tf.concat([tf.tile(p.sos, [B, 1, 1]), emb], 1) as tf.Tensor3D; // [B, L, D]
  const { output } = applyTransformer(p.backbone, backboneConfig(c), tokens, { positions, attention: 'causal' });
  const out = tf.reshape(tf.slice(output, [0, 0, 0], [B, N, D]), [B * N, D]);
  const pred = tf.add(tf.matMul(out, p.head.w), p.head.b);
  return tf.mean(tf.squaredDifference(pred, tf.reshape(patches, [B * N, PD])));
}

/**
 * Feature extraction as the probe does it: the backbone's output for `patches [B, N, PD]` (causal, no SOS-shifted
 * loss), mean-pooled over the L tokens → `[B, D]`.
 */
export function benchFeatures(p: BenchParams, c: BenchModelConfig, patches: tf.Tensor3D, positions: TokenPositions): tf.Tensor2D {
  return tf.tidy(() => {
    const [B, N, PD] = patches.shape;
    const D = c.width;
    const emb = tf.reshape(tf.add(tf.matMul(tf.reshape(patches, [B * N, PD]), p.embed.w), p.embed.b), [B, N, D]);
    const tokens = tf.concat([tf.tile(p.sos, [B, 1, 1]), emb], 1) as tf.Tensor3D;
    const { output } = applyTransformer(p.backbone, backboneConfig(c), tokens, { positions, attention: 'causal' });
    return tf.mean(output, 1) as tf.Tensor2D;
  });
}

/**
 * Analytic FLOPs of one training step, counting multiply-adds as 2 FLOPs in every matmul and taking backward = 2 ×
 * forward (two matmuls per forward matmul); elementwise work (LayerNorm, GELU, softmax, RoPE's elementwise part,
 * AdamW) is left out. Per step, with L tokens (SOS and the L − 1 embedded patches) and T = B·L:
 *
 *   forward = 2·B·(L−1)·PD·D (embed) + depth · [2·T·(3D² + D² + 2·D·F) (qkv, out, MLP)
 *             + 2·2·B·L²·D (QKᵀ and A·V, all heads) + 2·2·T·D·DH (RoPE rotate-half matmul on q and k)]
 *             + 2·B·N·D·PD (head, N outputs)
 *   step    = 3 · forward
 *
 * @param tokens L: N + 1 for the bench's own assembly (every patch embedded, the last output dropped), N for
 *   `@darl/darl`'s model (`darlLoss` embeds p1 … p(N−1) after SOS)
 */
export function trainingFlops(c: BenchModelConfig, tokens = numPatches(c) + 1): number {
  const N = numPatches(c);
  const L = tokens;
  const D = c.width;
  const F = c.mlpWidth;
  const DH = D / c.heads;
  const PD = patchDim(c);
  const B = c.batch;
  const T = B * L;
  const perBlock = 2 * T * (3 * D * D + D * D + 2 * D * F) + 2 * 2 * B * L * L * D + 2 * 2 * T * D * DH;
  const forward = 2 * B * (L - 1) * PD * D + c.depth * perBlock + 2 * B * N * D * PD;
  return 3 * forward;
}
