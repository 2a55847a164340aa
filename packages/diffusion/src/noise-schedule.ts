/**
 * The noise-schedule contract and the clamping every schedule shares. Pure float64 math: this file imports nothing
 * from tfjs.
 *
 * Conventions (used across the package):
 * - `t ∈ [0, 1]` is diffusion time, `t = 0` clean, `t = 1` pure noise.
 * - `γ` ("alpha-bar", the signal fraction) gives the forward process `x_γ = √γ·x0 + √(1−γ)·ε`.
 * - `logSnr = log(γ / (1 − γ))`, so `γ = sigmoid(logSnr)`.
 *
 * Clamping: every schedule returns γ in `[GAMMA_MIN, GAMMA_MAX]` = `[1e-6, 1 − 1e-6]` and log-SNR in
 * `[−LOG_SNR_LIMIT, LOG_SNR_LIMIT]` (≈ ±13.8155), the same interval, so `1/√γ`, `1/√(1−γ)` and the SNR are always
 * finite. Each schedule computes its log-SNR in a closed form that does not cancel near either end, clamps it, and
 * derives γ from it with a stable sigmoid; γ and log-SNR are therefore always consistent.
 *
 * @module
 */

/** Smallest γ any schedule or noise-level sampler returns (pure noise is approached, never reached). */
export const GAMMA_MIN = 1e-6;
/** Largest γ any schedule or noise-level sampler returns (a clean input is approached, never reached). */
export const GAMMA_MAX = 1 - 1e-6;
/** `log(GAMMA_MAX / GAMMA_MIN)`-ish bound: log-SNR is clamped to `[−LOG_SNR_LIMIT, LOG_SNR_LIMIT]`. */
export const LOG_SNR_LIMIT = Math.log(GAMMA_MAX / (1 - GAMMA_MAX));

/**
 * A continuous-time noise schedule: γ(t) and log-SNR(t) for t ∈ [0, 1] (t = 0 clean, t = 1 noise), both clamped
 * (see {@link GAMMA_MIN}). `name` identifies the numbers: a published name never changes its values.
 */
export interface NoiseSchedule {
  /** Identifies the schedule and its parameters, e.g. `cosine`, `sigmoid(start=-3,end=3,tau=1)`. */
  readonly name: string;
  /** Signal fraction γ(t) ∈ [GAMMA_MIN, GAMMA_MAX]; decreasing in t. */
  gamma(t: number): number;
  /** log(γ/(1−γ)) at t, in [−LOG_SNR_LIMIT, LOG_SNR_LIMIT]; decreasing in t. */
  logSnr(t: number): number;
}

/** Clamps a log-SNR to `[−LOG_SNR_LIMIT, LOG_SNR_LIMIT]` (NaN stays NaN so bugs surface). */
export function clampLogSnr(logSnr: number): number {
  return Math.min(LOG_SNR_LIMIT, Math.max(-LOG_SNR_LIMIT, logSnr));
}

/** Clamps γ to `[GAMMA_MIN, GAMMA_MAX]`. */
export function clampGamma(gamma: number): number {
  return Math.min(GAMMA_MAX, Math.max(GAMMA_MIN, gamma));
}

/** Numerically stable logistic function `1 / (1 + e^(−x))`. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** log-SNR of a signal fraction: `log(γ) − log(1 − γ)` (γ is clamped first). */
export function logSnrFromGamma(gamma: number): number {
  const g = clampGamma(gamma);
  return clampLogSnr(Math.log(g) - Math.log1p(-g));
}

/** Signal-to-noise ratio `γ / (1 − γ)` of a signal fraction (γ is clamped first, so it is finite). */
export function snrFromGamma(gamma: number): number {
  const g = clampGamma(gamma);
  return g / (1 - g);
}

/** Throws unless `t` is a finite number in [0, 1]. */
export function checkTime(where: string, t: number): void {
  if (!(t >= 0 && t <= 1)) {
    throw new RangeError(`${where}: diffusion time t must be in [0, 1] (0 = clean, 1 = noise), got ${t}.`);
  }
}

/**
 * Builds a schedule from a log-SNR function (unclamped, may return ±Infinity at the ends): clamps it and derives γ
 * with a stable sigmoid.
 */
export function scheduleFromLogSnr(name: string, rawLogSnr: (t: number) => number): NoiseSchedule {
  const logSnr = (t: number): number => {
    checkTime(name, t);
    return clampLogSnr(rawLogSnr(t));
  };
  return { name, logSnr, gamma: (t) => sigmoid(logSnr(t)) };
}
