/**
 * Seeded train/validation split of a training set (for choosing hyper-parameters without touching the test set).
 *
 * @module
 */
import { Rng } from '@darl/tensor-backend';

/** Indices of the fitting part and the held-out validation part, each sorted ascending. */
export interface HoldoutSplit {
  /** Indices of the examples to fit on. */
  readonly fit: Int32Array;
  /** Indices of the held-out validation examples. */
  readonly val: Int32Array;
}

/**
 * Splits `n` examples into a fitting set and a validation set of `round(fraction · n)` examples (at least 1 each),
 * chosen by a seeded permutation. Same `(n, fraction, seed)` → same split.
 */
export function holdoutSplit(n: number, fraction: number, seed: number): HoldoutSplit {
  if (!(fraction > 0 && fraction < 1)) throw new Error(`holdoutSplit: fraction must be in (0, 1), got ${fraction}.`);
  if (!Number.isInteger(n) || n < 2) throw new Error(`holdoutSplit: need at least 2 examples to hold some out, got ${n}.`);
  const nVal = Math.min(n - 1, Math.max(1, Math.round(fraction * n)));
  const perm = new Rng(seed).fork('holdout').permutation(n);
  const val = Int32Array.from(perm.slice(0, nVal)).sort();
  const fit = Int32Array.from(perm.slice(nVal)).sort();
  return { fit, val };
}
