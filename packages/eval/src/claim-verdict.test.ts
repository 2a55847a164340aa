import { describe, expect, it } from 'vitest';
import { compareClaim, meanStd } from './claim-verdict.js';

describe('meanStd', () => {
  it('is the mean and the n − 1 sample standard deviation', () => {
    // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squared deviations sum to 32, so s = √(32/7).
    const r = meanStd([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(r.mean).toBe(5);
    expect(r.std).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(meanStd([0.7])).toEqual({ mean: 0.7, std: 0 });
    expect(() => meanStd([])).toThrow(/no values/);
  });
});

describe('compareClaim', () => {
  const a = [0.8, 0.82, 0.81];
  const b = [0.7, 0.71, 0.69];
  it('reproduces a claim ahead by more than two Welch standard errors, and contradicts its reverse', () => {
    const r = compareClaim(a, b);
    const se = Math.sqrt(meanStd(a).std ** 2 / 3 + meanStd(b).std ** 2 / 3);
    expect(r.difference).toBeCloseTo(0.81 - 0.7, 12);
    expect(r.standardError).toBeCloseTo(se, 12);
    expect(r.verdict).toBe('reproduced');
    const back = compareClaim(b, a);
    expect(back.difference).toBeCloseTo(-r.difference, 12);
    expect(back.verdict).toBe('contradicted');
  });

  it('leaves overlapping settings and single seeds unresolved', () => {
    expect(compareClaim([0.8, 0.7, 0.9], [0.78, 0.85, 0.72]).verdict).toBe('not resolved');
    const one = compareClaim([0.9], [0.1, 0.2]);
    expect(one.verdict).toBe('not resolved');
    expect(one.standardError).toBeNaN();
  });

  it('judges an interaction by the difference of the gains, with the four variances summed', () => {
    // Gain of 0.11 with patch 7 against a gain of 0.01 with patch 4.
    const r = compareClaim(a, b, [[0.71, 0.7, 0.72], [0.7, 0.69, 0.71]]);
    expect(r.difference).toBeCloseTo(0.11 - 0.01, 12);
    expect(r.standardError).toBeCloseTo(Math.sqrt((4 * 0.01 ** 2) / 3), 12);
    expect(r.verdict).toBe('reproduced');
  });
});
