/**
 * Where the model struggles: per-target losses binned by noise level γ (diffusion) and grouped by the patch row of
 * the target.
 *
 * @module
 */

/** Mean loss of the draws whose γ fell in [lo, hi). */
export interface NoiseBin {
  /** Lower edge of the γ bin (inclusive). */
  readonly lo: number;
  /** Upper edge of the γ bin (exclusive). */
  readonly hi: number;
  /** Mean loss of the draws in the bin (NaN when empty). */
  readonly loss: number;
  /** Draws in the bin. */
  readonly count: number;
}

/**
 * Bins per-draw losses by γ into `bins` equal-width bins over [0, 1]; empty bins are kept with count 0 and loss NaN
 * replaced by null-safe 0 — callers check `count`.
 */
export function lossByNoiseLevel(perTarget: ArrayLike<number>, gamma: ArrayLike<number>, bins = 10): NoiseBin[] {
  const sum = new Float64Array(bins);
  const count = new Int32Array(bins);
  for (let i = 0; i < perTarget.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(gamma[i]! * bins)));
    sum[b] = sum[b]! + perTarget[i]!;
    count[b]!++;
  }
  return Array.from({ length: bins }, (_, b) => ({
    lo: b / bins,
    hi: (b + 1) / bins,
    loss: count[b] ? sum[b]! / count[b]! : 0,
    count: count[b]!,
  }));
}

/**
 * Mean loss per patch row of the target.
 * @param perTarget losses laid out [K, B, L] (draw-major, then batch, then sequence position)
 * @param targetRows grid row of the patch at each sequence position (length L)
 * @param gridRows number of patch rows
 */
export function lossByPatchRow(perTarget: ArrayLike<number>, targetRows: ArrayLike<number>, gridRows: number): number[] {
  const L = targetRows.length;
  const sum = new Float64Array(gridRows);
  const count = new Int32Array(gridRows);
  for (let i = 0; i < perTarget.length; i++) {
    const r = targetRows[i % L]!;
    sum[r] = sum[r]! + perTarget[i]!;
    count[r]!++;
  }
  return Array.from(sum, (s, r) => (count[r] ? s / count[r]! : 0));
}
