/**
 * Verdicts on "setting A beats setting B" from a few seeds each: the difference of the mean scores, its standard
 * error (Welch: `√(s_A²/n_A + s_B²/n_B)`, sample standard deviations), and a verdict — `reproduced` when A is ahead
 * by more than two standard errors, `contradicted` when it is behind by more than two, `not resolved` otherwise (or
 * when a side has a single seed, so no spread is known). An interaction claim ("A gains more over B than C over D")
 * compares the difference of differences, with the four variances summed.
 *
 * @module
 */

/** Mean and sample standard deviation (n − 1 in the denominator; 0 for a single value). */
export function meanStd(xs: readonly number[]): {
  /** Arithmetic mean. */
  mean: number;
  /** Sample standard deviation. */
  std: number;
} {
  if (xs.length === 0) throw new Error('meanStd: no values.');
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (xs.length === 1) return { mean, std: 0 };
  const ss = xs.reduce((a, x) => a + (x - mean) ** 2, 0);
  return { mean, std: Math.sqrt(ss / (xs.length - 1)) };
}

/** The verdict on one claim. */
export interface ClaimVerdict {
  /** Claimed winner minus loser (or the difference of the two gains for an interaction claim). */
  readonly difference: number;
  /** Standard error of `difference`; NaN when a side has fewer than two values. */
  readonly standardError: number;
  /** `reproduced` when the claimed winner is ahead by more than {@link CLAIM_THRESHOLD_SE} standard errors, `contradicted` when it is behind by more, `not resolved` otherwise. */
  readonly verdict: 'reproduced' | 'contradicted' | 'not resolved';
  /** One phrase saying why. */
  readonly why: string;
}

/** How many standard errors a difference must exceed to decide a claim. */
export const CLAIM_THRESHOLD_SE = 2;

/**
 * Judges "`better` beats `worse`" (or, with `minus = [c, d]`, "better − worse exceeds c − d") from per-seed scores.
 */
export function compareClaim(better: readonly number[], worse: readonly number[], minus?: readonly [readonly number[], readonly number[]]): ClaimVerdict {
  const groups = [better, worse, ...(minus ?? [])];
  const stats = groups.map(meanStd);
  const difference = stats[0]!.mean - stats[1]!.mean - (minus ? stats[2]!.mean - stats[3]!.mean : 0);
  if (groups.some((g) => g.length < 2)) {
    return { difference, standardError: Number.NaN, verdict: 'not resolved', why: 'a setting has a single seed, so its spread is unknown' };
  }
  const standardError = Math.sqrt(stats.reduce((a, s, i) => a + s.std ** 2 / groups[i]!.length, 0));
  const z = standardError > 0 ? difference / standardError : difference > 0 ? Infinity : difference < 0 ? -Infinity : 0;
  if (z > CLAIM_THRESHOLD_SE) return { difference, standardError, verdict: 'reproduced', why: `ahead by ${z === Infinity ? 'more than any seed spread' : `${z.toFixed(1)} standard errors`}` };
  if (z < -CLAIM_THRESHOLD_SE) return { difference, standardError, verdict: 'contradicted', why: `behind by ${z === -Infinity ? 'more than any seed spread' : `${(-z).toFixed(1)} standard errors`}` };
  return { difference, standardError, verdict: 'not resolved', why: `the difference is ${Math.abs(z).toFixed(1)} standard errors, within the seed-to-seed spread (needs > ${CLAIM_THRESHOLD_SE})` };
}
