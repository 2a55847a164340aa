/**
 * The benchmark's reference model written directly in tf ops, the way darl's model code is written (reshape-to-2-D
 * matmuls, batched attention matmuls, constant causal mask added, tanh GELU). `reference/darl_reference.py` is the
 * identical model in PyTorch: same shapes, same operations, same FLOPs.
 *
 * Shapes: B batch, L = 1 + (H/P)·(W/P) tokens (SOS + patches), D width, NH heads, DH = D / NH, F MLP width,
 * PD = P·P·C patch vector length.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@darl/tensor-backend';

/** Reference model configuration (DESIGN.md §3). */
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

export interface BlockParams {
  ln1g: tf.Variable;
  ln1b: tf.Variable;
  wqkv: tf.Variable;
  bqkv: tf.Variable;
  wo: tf.Variable;
  bo: tf.Variable;
  ln2g: tf.Variable;
  ln2b: tf.Variable;
  w1: tf.Variable;
  b1: tf.Variable;
  w2: tf.Variable;
  b2: tf.Variable;
}

export interface BenchParams {
  we: tf.Variable;
  be: tf.Variable;
  sos: tf.Variable;
  pos: tf.Variable;
  blocks: BlockParams[];
  lnfg: tf.Variable;
  lnfb: tf.Variable;
  wh: tf.Variable;
  bh: tf.Variable;
}

/** Number of patches per image. */
export function numPatches(c: BenchModelConfig): number {
  return (c.imageSize / c.patchSize) ** 2;
}

/** Length of one patch vector. */
export function patchDim(c: BenchModelConfig): number {
  return c.patchSize * c.patchSize * c.channels;
}

/** Parameters, truncated-normal(0.02) weights, zero biases, unit LayerNorm gains. */
export function initBenchModel(c: BenchModelConfig, seed: number): BenchParams {
  const rng = new Rng(seed);
  const w = (shape: number[]): tf.Variable => tf.variable(rng.truncatedNormal(shape, { std: 0.02 }));
  const zeros = (shape: number[]): tf.Variable => tf.variable(tf.zeros(shape));
  const ones = (shape: number[]): tf.Variable => tf.variable(tf.ones(shape));
  const D = c.width;
  const L = numPatches(c) + 1;
  const PD = patchDim(c);
  const blocks: BlockParams[] = [];
  for (let i = 0; i < c.depth; i++) {
    blocks.push({
      ln1g: ones([D]),
      ln1b: zeros([D]),
      wqkv: w([D, 3 * D]),
      bqkv: zeros([3 * D]),
      wo: w([D, D]),
      bo: zeros([D]),
      ln2g: ones([D]),
      ln2b: zeros([D]),
      w1: w([D, c.mlpWidth]),
      b1: zeros([c.mlpWidth]),
      w2: w([c.mlpWidth, D]),
      b2: zeros([D]),
    });
  }
  return {
    we: w([PD, D]),
    be: zeros([D]),
    sos: w([1, 1, D]),
    pos: w([L, D]),
    blocks,
    lnfg: ones([D]),
    lnfb: zeros([D]),
    wh: w([D, PD]),
    bh: zeros([PD]),
  };
}

/** All variables of the model, for the optimiser and for disposal. */
export function benchVariables(p: BenchParams): tf.Variable[] {
  const out = [p.we, p.be, p.sos, p.pos, p.lnfg, p.lnfb, p.wh, p.bh];
  for (const b of p.blocks) out.push(...Object.values(b));
  return out;
}

/** `x [N, Din] @ w [Din, Dout] + b` on 2-D activations. */
function linear(x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  return tf.add(tf.matMul(x, w as tf.Tensor2D), b);
}

/** LayerNorm over the last axis of `x [N, D]`, eps 1e-6. */
export function layerNorm(x: tf.Tensor2D, g: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-6))), g), b);
}

/** GELU, tanh approximation (PyTorch `gelu(approximate='tanh')`). */
export function geluTanh(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

/** Additive causal mask `[L, L]`: 0 on and below the diagonal, -1e9 above. */
export function causalMask(L: number): tf.Tensor2D {
  const m = new Float32Array(L * L);
  for (let i = 0; i < L; i++) for (let j = i + 1; j < L; j++) m[i * L + j] = -1e9;
  return tf.tensor2d(m, [L, L]);
}

/** One pre-LN block on the residual stream `x [B·L, D]`; `mask [L, L]` additive. Returns `[B·L, D]`. */
function block(p: BlockParams, c: BenchModelConfig, x: tf.Tensor2D, B: number, L: number, mask: tf.Tensor2D): tf.Tensor2D {
  const D = c.width;
  const NH = c.heads;
  const DH = D / NH;
  const h = layerNorm(x, p.ln1g, p.ln1b);
  const qkv = tf.transpose(tf.reshape(linear(h, p.wqkv, p.bqkv), [B, L, 3, NH, DH]), [2, 0, 3, 1, 4]); // [3, B, NH, L, DH]
  const q = tf.reshape(tf.slice(qkv, [0, 0, 0, 0, 0], [1, B, NH, L, DH]), [B, NH, L, DH]);
  const k = tf.reshape(tf.slice(qkv, [1, 0, 0, 0, 0], [1, B, NH, L, DH]), [B, NH, L, DH]);
  const v = tf.reshape(tf.slice(qkv, [2, 0, 0, 0, 0], [1, B, NH, L, DH]), [B, NH, L, DH]);
  const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(DH)), mask); // [B, NH, L, L]
  const att = tf.matMul(tf.softmax(scores), v); // [B, NH, L, DH]
  const merged = tf.reshape(tf.transpose(att, [0, 2, 1, 3]), [B * L, D]);
  const x1 = tf.add(x, linear(merged, p.wo, p.bo));
  const m = linear(geluTanh(linear(layerNorm(x1, p.ln2g, p.ln2b), p.w1, p.b1)) as tf.Tensor2D, p.w2, p.b2);
  return tf.add(x1, m);
}

/**
 * Next-patch MSE loss of a batch of patch sequences `patches [B, N, PD]` (N = number of patches): inputs
 * `[SOS, p1 … pN]` (L = N + 1 tokens), outputs 0…N-1 predict p1…pN.
 */
export function benchLoss(p: BenchParams, c: BenchModelConfig, patches: tf.Tensor3D, mask: tf.Tensor2D): tf.Scalar {
  const [B, N, PD] = patches.shape;
  const D = c.width;
  const L = N + 1;
  const emb = tf.reshape(linear(tf.reshape(patches, [B * N, PD]), p.we, p.be), [B, N, D]);
  const tokens = tf.add(tf.concat([tf.tile(p.sos, [B, 1, 1]), emb], 1), p.pos); // [B, L, D]
  let x = tf.reshape(tokens, [B * L, D]) as tf.Tensor2D;
  for (const b of p.blocks) x = block(b, c, x, B, L, mask);
  const out = tf.slice(tf.reshape(layerNorm(x, p.lnfg, p.lnfb), [B, L, D]), [0, 0, 0], [B, N, D]);
  const pred = linear(tf.reshape(out, [B * N, D]), p.wh, p.bh);
  return tf.mean(tf.squaredDifference(pred, tf.reshape(patches, [B * N, PD])));
}

/** Analytic FLOPs of one training step (forward + backward = 3 × forward matmul FLOPs; elementwise ops ignored). */
export function trainingFlops(c: BenchModelConfig): number {
  const N = numPatches(c);
  const L = N + 1;
  const D = c.width;
  const F = c.mlpWidth;
  const PD = patchDim(c);
  const B = c.batch;
  const perBlockLinear = 2 * B * L * (D * 3 * D + D * D + 2 * D * F);
  const perBlockAttention = 2 * 2 * B * L * L * D; // QKᵀ and A·V over all heads
  const forward = 2 * B * N * PD * D + c.depth * (perBlockLinear + perBlockAttention) + 2 * B * N * D * PD;
  return 3 * forward;
}
