/**
 * Turning noise levels γ (one scalar, or one per row) into float32 column tensors for the tensor code. The square
 * roots are taken in float64 (√(1−γ) near γ ≈ 1 would lose digits in float32).
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { clampGamma } from './noise-schedule.js';

/** Noise levels: one γ shared by all N rows, or one γ per row (length N). */
export type GammaValues = number | Float64Array | Float32Array | readonly number[];

/** Checks `gamma` against N rows; returns its values (length N, or 1 for a shared scalar). */
export function gammaArray(where: string, gamma: GammaValues, rows: number): Float64Array {
  if (typeof gamma === 'number') {
    if (!(gamma >= 0 && gamma <= 1)) throw new RangeError(`${where}: "gamma" must be in [0, 1], got ${gamma}.`);
    return Float64Array.of(gamma);
  }
  if (gamma.length !== rows) {
    throw new RangeError(`${where}: "gamma" must hold one noise level per row (${rows}), got ${gamma.length} values.`);
  }
  const out = Float64Array.from(gamma as ArrayLike<number>);
  for (let i = 0; i < out.length; i++) {
    if (!(out[i]! >= 0 && out[i]! <= 1)) throw new RangeError(`${where}: "gamma" values must be in [0, 1], got ${out[i]} at row ${i}.`);
  }
  return out;
}

/**
 * A float32 column `[N, 1]` (or `[1, 1]` for a shared scalar) of `f(γ)` computed in float64, γ clamped to
 * [GAMMA_MIN, GAMMA_MAX] first. The caller owns it.
 */
export function gammaColumn(values: Float64Array, f: (gamma: number) => number): tf.Tensor2D {
  const col = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) col[i] = f(clampGamma(values[i]!));
  return tf.tensor2d(col, [values.length, 1], 'float32');
}
