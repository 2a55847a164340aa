/**
 * One reverse-diffusion step from noise level γ_t to a less noisy γ_next, given the model's x0 estimate:
 * DDIM (Song et al. 2021, any η) and DDPM ancestral (Ho et al. 2020, posterior q(x_next | x_t, x0)). Coefficients
 * are computed in float64 from the two γ's; the tensors are float32.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertRank, assertShape, type Rng } from '@darl/tensor-backend';
import { clampGamma } from './noise-schedule.js';

/** Options shared by the step functions. */
export interface ReverseStepOptions {
  /** Multiplies the injected noise (1 = the exact sampler; < 1 = sharper samples). Default 1. */
  readonly temperature?: number;
  /** The standard-normal noise to inject, float32 [N, D]; drawn from `rng` when omitted. */
  readonly noise?: tf.Tensor2D;
  /** Source of the injected noise when `noise` is not given. */
  readonly rng?: Rng;
}

/** Options of {@link ddimStep}. */
export interface DdimStepOptions extends ReverseStepOptions {
  /** η: 0 = deterministic DDIM (default), 1 = DDPM-equivalent noise. */
  readonly eta?: number;
}

function checkLevels(where: string, gammaNow: number, gammaNext: number): [number, number] {
  if (!(gammaNow > 0 && gammaNow < 1)) throw new RangeError(`${where}: "gammaNow" must be in (0, 1), got ${gammaNow}.`);
  if (!(gammaNext >= gammaNow && gammaNext <= 1)) {
    throw new RangeError(`${where}: "gammaNext" must be in [gammaNow, 1] = [${gammaNow}, 1] (less noise than now), got ${gammaNext}.`);
  }
  return [clampGamma(gammaNow), gammaNext];
}

function checkTensors(where: string, noisy: tf.Tensor2D, x0Pred: tf.Tensor2D, noise?: tf.Tensor2D): void {
  assertRank(where, 'noisy', noisy.shape, 2);
  const dims = assertShape(where, 'noisy', noisy.shape, ['N', 'D']);
  assertShape(where, 'x0Pred', x0Pred.shape, ['N', 'D'], dims);
  if (noise) assertShape(where, 'noise', noise.shape, ['N', 'D'], dims);
}

/** `cx0·x0Pred + cx·noisy + cz·z` with z = opts.noise or fresh N(0, I) from opts.rng (only drawn when cz ≠ 0). */
function combine(where: string, noisy: tf.Tensor2D, x0Pred: tf.Tensor2D, cx0: number, cx: number, cz: number, opts: ReverseStepOptions): tf.Tensor2D {
  if (cz !== 0 && !opts.noise && !opts.rng) {
    throw new Error(`${where}: this step injects noise; pass opts.rng (or opts.noise, float32 [N, D]).`);
  }
  return tf.tidy(() => {
    let out = tf.add(tf.mul(x0Pred, cx0), tf.mul(noisy, cx)) as tf.Tensor2D;
    if (cz !== 0) {
      const z = opts.noise ?? (opts.rng!.normal(noisy.shape) as tf.Tensor2D);
      out = tf.add(out, tf.mul(z, cz));
    }
    return out;
  });
}

/**
 * The coefficients of a DDIM step: `x_next = cx0·x0Pred + cx·noisy + cz·z`, with
 * `σ = η·√((1−γn)/(1−γt))·√(1 − γt/γn)`, `ε̂ = (x_t − √γt·x0)/√(1−γt)`,
 * `x_next = √γn·x0 + √(1 − γn − σ²)·ε̂ + temperature·σ·z`.
 */
export function ddimCoefficients(gammaNow: number, gammaNext: number, eta = 0, temperature = 1): {
  /** Coefficient of the predicted clean patch x0. */
  cx0: number;
  /** Coefficient of the current noisy patch x_t. */
  cx: number;
  /** Coefficient of the fresh standard-normal noise z. */
  cz: number;
} {
  const [gt, gn] = checkLevels('ddimStep', gammaNow, gammaNext);
  if (!(eta >= 0)) throw new RangeError(`ddimStep: eta must be ≥ 0, got ${eta}.`);
  if (!(temperature >= 0)) throw new RangeError(`ddimStep: temperature must be ≥ 0, got ${temperature}.`);
  const sigma2 = eta * eta * ((1 - gn) / (1 - gt)) * (1 - gt / gn);
  const dir = Math.sqrt(Math.max(0, 1 - gn - sigma2));
  const st = Math.sqrt(1 - gt);
  return { cx0: Math.sqrt(gn) - (dir * Math.sqrt(gt)) / st, cx: dir / st, cz: temperature * Math.sqrt(sigma2) };
}

/**
 * One DDIM step (x0-parameterised) from γ_t to γ_next ≥ γ_t. With η = 0 it is deterministic and draws nothing;
 * η = 1 equals {@link ddpmStep}. `temperature` scales the injected noise only.
 *
 * @param noisy x_t, float32 [N, D]
 * @param x0Pred the model's estimate of x0 at (x_t, γ_t), float32 [N, D]
 * @returns x_next, float32 [N, D] (caller owns)
 */
export function ddimStep(noisy: tf.Tensor2D, x0Pred: tf.Tensor2D, gammaNow: number, gammaNext: number, opts: DdimStepOptions = {}): tf.Tensor2D {
  checkTensors('ddimStep', noisy, x0Pred, opts.noise);
  const { cx0, cx, cz } = ddimCoefficients(gammaNow, gammaNext, opts.eta ?? 0, opts.temperature ?? 1);
  return combine('ddimStep', noisy, x0Pred, cx0, cx, cz, opts);
}

/**
 * The coefficients of a DDPM ancestral step between respaced levels γ_t → γ_n: with `α = γt/γn`, `β = 1 − α`,
 * mean `√γn·β/(1−γt)·x0 + √α·(1−γn)/(1−γt)·x_t`, variance `β·(1−γn)/(1−γt)` (the posterior, "fixed small").
 */
export function ddpmCoefficients(gammaNow: number, gammaNext: number, temperature = 1): {
  /** Coefficient of the predicted clean patch x0. */
  cx0: number;
  /** Coefficient of the current noisy patch x_t. */
  cx: number;
  /** Coefficient of the fresh standard-normal noise z. */
  cz: number;
} {
  const [gt, gn] = checkLevels('ddpmStep', gammaNow, gammaNext);
  if (!(temperature >= 0)) throw new RangeError(`ddpmStep: temperature must be ≥ 0, got ${temperature}.`);
  const alpha = gt / gn;
  const beta = 1 - alpha;
  return {
    cx0: (Math.sqrt(gn) * beta) / (1 - gt),
    cx: (Math.sqrt(alpha) * (1 - gn)) / (1 - gt),
    cz: temperature * Math.sqrt((beta * (1 - gn)) / (1 - gt)),
  };
}

/**
 * One DDPM ancestral step (x0-parameterised): a draw from the posterior q(x_next | x_t, x0 = x0Pred), noise scaled
 * by `temperature`. The final step to γ = 1 returns x0Pred and draws nothing.
 *
 * @param noisy x_t, float32 [N, D]
 * @param x0Pred the model's estimate of x0, float32 [N, D]
 * @returns x_next, float32 [N, D] (caller owns)
 */
export function ddpmStep(noisy: tf.Tensor2D, x0Pred: tf.Tensor2D, gammaNow: number, gammaNext: number, opts: ReverseStepOptions = {}): tf.Tensor2D {
  checkTensors('ddpmStep', noisy, x0Pred, opts.noise);
  const { cx0, cx, cz } = ddpmCoefficients(gammaNow, gammaNext, opts.temperature ?? 1);
  return combine('ddpmStep', noisy, x0Pred, cx0, cx, cz, opts);
}
