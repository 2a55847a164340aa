/**
 * Generation of one 28×28 image (batch 1) with the reference model: 49 autoregressive steps through
 * `@darl/transformer`'s KV cache. MSE: the next patch is the linear head's output. Diffusion: the next patch is 20
 * DDIM steps (x0-parameterised, cosine schedule) of a small MLP denoiser conditioned on the backbone output — the
 * benchmark's own denoiser (`[noisy 16 | condition 128 | γ 1] → 256 → 256 → 16`, GELU), mirrored exactly in
 * `reference/darl_reference.py`, so both systems do the same work.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@darl/tensor-backend';
import { applyTransformer, createKVCache, disposeKVCache, gelu } from '@darl/transformer';
import { backboneConfig, benchPositions, numPatches, patchDim, type BenchModelConfig, type BenchParams } from './reference-model.js';

export interface DenoiserParams {
  w1: tf.Tensor2D;
  b1: tf.Tensor1D;
  w2: tf.Tensor2D;
  b2: tf.Tensor1D;
  w3: tf.Tensor2D;
  b3: tf.Tensor1D;
}

/** Hidden width of the benchmark's MLP denoiser. */
export const DENOISER_WIDTH = 256;

export function initDenoiser(c: BenchModelConfig, seed: number): DenoiserParams {
  const rng = new Rng(seed);
  const PD = patchDim(c);
  const H = DENOISER_WIDTH;
  return {
    w1: rng.normal([PD + c.width + 1, H], { std: 0.02 }) as tf.Tensor2D,
    b1: tf.zeros([H]),
    w2: rng.normal([H, H], { std: 0.02 }) as tf.Tensor2D,
    b2: tf.zeros([H]),
    w3: rng.normal([H, PD], { std: 0.02 }) as tf.Tensor2D,
    b3: tf.zeros([PD]),
  };
}

/** `x0` estimate for `noisy [1, PD]`, `cond [1, D]`, signal fraction γ. */
function denoise(d: DenoiserParams, noisy: tf.Tensor2D, cond: tf.Tensor2D, gamma: number): tf.Tensor2D {
  const x = tf.concat([noisy, cond, tf.fill([1, 1], gamma)], 1);
  const h1 = gelu(tf.add(tf.matMul(x, d.w1), d.b1));
  const h2 = gelu(tf.add(tf.matMul(h1, d.w2), d.b2));
  return tf.add(tf.matMul(h2, d.w3), d.b3);
}

/** γ(t) = cos²(πt/2), t = 0 clean, t = 1 noise. */
function cosineGamma(t: number): number {
  return Math.cos((t * Math.PI) / 2) ** 2;
}

/** DDIM (η = 0) from pure noise to a patch `[1, PD]`, conditioned on `cond [1, D]`. */
function ddim(d: DenoiserParams, cond: tf.Tensor2D, steps: number, rng: Rng, pd: number): tf.Tensor2D {
  return tf.tidy(() => {
    let z = tf.tensor2d(rng.normalArray(pd), [1, pd]);
    for (let i = steps; i > 0; i--) {
      const gt = cosineGamma(i / steps);
      const gs = cosineGamma((i - 1) / steps);
      // z' = √γs·x0 + √(1−γs)·ε̂ with ε̂ = (z − √γt·x0)/√(1−γt), as one combination cx0·x0 + cz·z (what
      // @darl/diffusion's ddimStep computes): three ops per step instead of six.
      const st = Math.sqrt(Math.max(1 - gt, 1e-8));
      const cz = Math.sqrt(1 - gs) / st;
      const cx0 = Math.sqrt(gs) - cz * Math.sqrt(gt);
      const next = tf.tidy(() => tf.add(tf.mul(denoise(d, z, cond, gt), cx0), tf.mul(z, cz)) as tf.Tensor2D);
      z.dispose();
      z = next;
    }
    return z;
  });
}

/**
 * Generates one image as patches `[N, PD]` (MSE when `denoiser` is omitted, diffusion otherwise). Returns the patches;
 * the caller owns them.
 */
export function generateImage(p: BenchParams, c: BenchModelConfig, opts: { denoiser?: DenoiserParams; ddimSteps?: number } = {}): tf.Tensor2D {
  const cfg = backboneConfig(c);
  const D = c.width;
  const N = numPatches(c);
  const PD = patchDim(c);
  const all = benchPositions(c);
  const cache = createKVCache(cfg, 1);
  const rng = new Rng(0);
  const patches: tf.Tensor2D[] = [];
  let token = tf.reshape(p.sos, [1, 1, D]) as tf.Tensor3D;
  try {
    for (let t = 0; t < N; t++) {
      const positions = { rows: all.rows.subarray(t, t + 1), cols: all.cols.subarray(t, t + 1) };
      const { output } = applyTransformer(p.backbone, cfg, token, { positions, cache });
      const h = tf.reshape(output, [1, D]) as tf.Tensor2D;
      output.dispose();
      const next = opts.denoiser
        ? ddim(opts.denoiser, h, opts.ddimSteps ?? 20, rng, PD)
        : tf.tidy(() => tf.add(tf.matMul(h, p.head.w), p.head.b) as tf.Tensor2D);
      h.dispose();
      patches.push(next);
      token.dispose();
      token = tf.tidy(() => tf.reshape(tf.add(tf.matMul(next, p.embed.w), p.embed.b), [1, 1, D]) as tf.Tensor3D);
    }
    return tf.concat(patches, 0);
  } finally {
    token.dispose();
    tf.dispose(patches);
    disposeKVCache(cache);
  }
}
