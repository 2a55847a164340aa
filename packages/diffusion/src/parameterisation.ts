/**
 * Forward noising and the three prediction parameterisations (x0, ε, v) with exact conversions between them, plus
 * SNR-based loss weights.
 *
 * With `a = √γ`, `σ = √(1−γ)` (γ clamped to [GAMMA_MIN, GAMMA_MAX]):
 * `x = a·x0 + σ·ε`, `v = a·ε − σ·x0`; hence `x0 = a·x − σ·v`, `ε = σ·x + a·v`, `x0 = (x − σ·ε)/a`,
 * `ε = (x − a·x0)/σ`.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertRank, assertShape, type DimBindings } from '@darl/tensor-backend';
import { gammaArray, gammaColumn, type GammaValues } from './gamma-values.js';
import { snrFromGamma } from './noise-schedule.js';

/** What the patch decoder can predict. */
export const PREDICTIONS = ['x0', 'eps', 'v'] as const;

/** What the patch decoder predicts. */
export type Prediction = (typeof PREDICTIONS)[number];

/** The loss weightings across noise levels (see {@link lossWeights}). */
export const LOSS_WEIGHTINGS = ['none', 'snr', 'min-snr'] as const;

/** Loss weighting across noise levels. */
export type LossWeighting = (typeof LOSS_WEIGHTINGS)[number];

/** The clip k of the `min-snr` weighting unless set (Hang et al. 2023). */
export const DEFAULT_SNR_CLIP = 5;

function checkPrediction(where: string, name: string, p: Prediction): void {
  if (!PREDICTIONS.includes(p)) throw new Error(`${where}: ${name} must be 'x0', 'eps' or 'v', got ${JSON.stringify(p)}.`);
}

function checkPair(where: string, names: [string, string], x: tf.Tensor, y: tf.Tensor): number {
  assertRank(where, names[0], x.shape, 2);
  const dims: DimBindings = {};
  assertShape(where, names[0], x.shape, ['N', 'D'], dims);
  assertShape(where, names[1], y.shape, ['N', 'D'], dims);
  return dims.N!;
}

/**
 * Forward process `x_γ = √γ·x0 + √(1−γ)·ε`.
 *
 * @param x0 clean patches float32 [N, D]
 * @param eps standard normal noise float32 [N, D]
 * @param gamma one γ for all rows or one per row [N]
 * @returns noisy patches float32 [N, D] (caller owns)
 */
export function addNoise(x0: tf.Tensor2D, eps: tf.Tensor2D, gamma: GammaValues): tf.Tensor2D {
  const n = checkPair('addNoise', ['x0', 'eps'], x0, eps);
  const g = gammaArray('addNoise', gamma, n);
  return tf.tidy(() => {
    const a = gammaColumn(g, Math.sqrt);
    const s = gammaColumn(g, (v) => Math.sqrt(1 - v));
    return tf.add(tf.mul(a, x0), tf.mul(s, eps)) as tf.Tensor2D;
  });
}

/**
 * The regression target of a parameterisation: x0, ε, or `v = √γ·ε − √(1−γ)·x0`.
 *
 * @param x0 clean patches float32 [N, D]
 * @param eps the noise that produced the noisy input, float32 [N, D]
 * @returns float32 [N, D] (caller owns)
 */
export function predictionTarget(prediction: Prediction, x0: tf.Tensor2D, eps: tf.Tensor2D, gamma: GammaValues): tf.Tensor2D {
  checkPrediction('predictionTarget', 'prediction', prediction);
  const n = checkPair('predictionTarget', ['x0', 'eps'], x0, eps);
  const g = gammaArray('predictionTarget', gamma, n);
  return tf.tidy(() => {
    if (prediction === 'x0') return tf.clone(x0);
    if (prediction === 'eps') return tf.clone(eps);
    const a = gammaColumn(g, Math.sqrt);
    const s = gammaColumn(g, (v) => Math.sqrt(1 - v));
    return tf.sub(tf.mul(a, eps), tf.mul(s, x0)) as tf.Tensor2D;
  });
}

/**
 * Converts a prediction from one parameterisation to another, given the noisy input it was made from. Exact
 * (up to float32 rounding): converting x0 → ε → v → x0 returns the input.
 *
 * @param output the prediction in parameterisation `from`, float32 [N, D]
 * @param noisy the noisy input x_γ, float32 [N, D]
 * @param gamma the noise level of `noisy`, one for all rows or one per row [N]
 * @returns the same prediction in parameterisation `to`, float32 [N, D] (caller owns)
 */
export function convertPrediction(
  output: tf.Tensor2D,
  from: Prediction,
  to: Prediction,
  noisy: tf.Tensor2D,
  gamma: GammaValues,
): tf.Tensor2D {
  checkPrediction('convertPrediction', 'from', from);
  checkPrediction('convertPrediction', 'to', to);
  const n = checkPair('convertPrediction', ['output', 'noisy'], output, noisy);
  const g = gammaArray('convertPrediction', gamma, n);
  return tf.tidy(() => {
    if (from === to) return tf.clone(output);
    const a = gammaColumn(g, Math.sqrt);
    const s = gammaColumn(g, (v) => Math.sqrt(1 - v));
    // Both x0 and ε of the prediction, from whichever was given.
    let x0: tf.Tensor;
    let eps: tf.Tensor;
    if (from === 'x0') {
      x0 = output;
      eps = tf.div(tf.sub(noisy, tf.mul(a, output)), s);
    } else if (from === 'eps') {
      eps = output;
      x0 = tf.div(tf.sub(noisy, tf.mul(s, output)), a);
    } else {
      x0 = tf.sub(tf.mul(a, noisy), tf.mul(s, output));
      eps = tf.add(tf.mul(s, noisy), tf.mul(a, output));
    }
    if (to === 'x0') return x0 as tf.Tensor2D;
    if (to === 'eps') return eps as tf.Tensor2D;
    return tf.sub(tf.mul(a, eps), tf.mul(s, x0)) as tf.Tensor2D;
  });
}

/**
 * Per-draw loss weights (float64) that multiply the squared error measured in the `prediction` space.
 *
 * The squared errors of the three parameterisations differ by known factors for the same model:
 * `|ε̂ − ε|² = SNR·|x̂0 − x0|²` and `|v̂ − v|² = (1 + SNR)·|x̂0 − x0|²`. The weightings are defined by the weight
 * they put on the **x0-space** error, so they mean the same thing whatever the model predicts:
 * - `none`: weight 1 in the prediction's own space (plain MSE on x0, ε or v).
 * - `snr`: x0-space weight SNR (what plain ε-MSE does): factors SNR (x0), 1 (ε), SNR/(1+SNR) (v).
 * - `min-snr`: x0-space weight min(SNR, `snrClip`) (Min-SNR-γ, Hang et al. 2023, default clip 5): factors
 *   min(SNR, k) (x0), min(SNR, k)/SNR (ε), min(SNR, k)/(1+SNR) (v).
 *
 * SNR = γ/(1−γ) with γ clamped to [GAMMA_MIN, GAMMA_MAX], so every weight is finite.
 *
 * @returns Float64Array, one weight per γ
 */
export function lossWeights(
  weighting: LossWeighting,
  prediction: Prediction,
  gamma: Float64Array | readonly number[],
  opts: { snrClip?: number } = {},
): Float64Array {
  checkPrediction('lossWeights', 'prediction', prediction);
  const k = opts.snrClip ?? DEFAULT_SNR_CLIP;
  if (!(k > 0)) throw new RangeError(`lossWeights: snrClip must be > 0, got ${k}.`);
  const out = new Float64Array(gamma.length);
  for (let i = 0; i < gamma.length; i++) {
    const snr = snrFromGamma(gamma[i]!);
    let x0Weight: number;
    if (weighting === 'none') {
      out[i] = 1;
      continue;
    } else if (weighting === 'snr') x0Weight = snr;
    else if (weighting === 'min-snr') x0Weight = Math.min(snr, k);
    else throw new Error(`lossWeights: weighting must be 'none', 'snr' or 'min-snr', got ${JSON.stringify(weighting)}.`);
    const spaceFactor = prediction === 'x0' ? 1 : prediction === 'eps' ? snr : 1 + snr;
    out[i] = x0Weight / spaceFactor;
  }
  return out;
}
