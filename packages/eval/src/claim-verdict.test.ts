import { describe, expect, it } from 'vitest';
import { isUserError } from '@darl/tensor-backend';
import { compareClaim, comparePairedClaim, meanStd } from './claim-verdict.js';

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

describe('comparePairedClaim', () => {
  it('is the mean and standard error of the per-seed differences', () => {
    // Differences 0.02, 0.01, 0.03, 0.02: mean 0.02, squared deviations 0 + 1e-4 + 1e-4 + 0 = 2e-4,
    // s = √(2e-4 / 3), SE = s / 2 = 0.0040825; z = 4.9 → reproduced.
    const r = comparePairedClaim([0.82, 0.8, 0.85, 0.79], [0.8, 0.79, 0.82, 0.77]);
    expect(r.difference).toBeCloseTo(0.02, 12);
    expect(r.standardError).toBeCloseTo(Math.sqrt(2e-4 / 3) / 2, 12);
    expect(r.verdict).toBe('reproduced');
    expect(r.why).toBe('ahead by 4.9 standard errors');
    expect(comparePairedClaim([0.8, 0.79, 0.82, 0.77], [0.82, 0.8, 0.85, 0.79]).verdict).toBe('contradicted');
  });

  it('resolves a small effect that a large shared seed spread hides from the unpaired test', () => {
    // Seeds vary by 10 points, the effect is 1 point on every seed: unpaired it is 0.1 SE, paired it is exact.
    const worse = [0.7, 0.8, 0.9];
    const better = worse.map((x) => x + 0.01);
    expect(compareClaim(better, worse).verdict).toBe('not resolved');
    const r = comparePairedClaim(better, worse);
    expect(r.difference).toBeCloseTo(0.01, 12);
    expect(r.standardError).toBeLessThan(1e-12);
    expect(r.verdict).toBe('reproduced');
  });

  it('judges an interaction from per-seed differences of differences', () => {
    // Gains (a − b): 0.03, 0.01, 0.02; (c − d): 0.01, 0.01, 0.01 → differences 0.02, 0.00, 0.01: mean 0.01,
    // deviations 0.01, −0.01, 0 → s² = 2e-4 / 2 = 1e-4, SE = 0.01/√3 = 0.0057735; z = 1.7 → not resolved.
    const r = comparePairedClaim([0.83, 0.81, 0.82], [0.8, 0.8, 0.8], [[0.71, 0.7, 0.71], [0.7, 0.69, 0.7]]);
    expect(r.difference).toBeCloseTo(0.01, 12);
    expect(r.standardError).toBeCloseTo(0.01 / Math.sqrt(3), 12);
    expect(r.verdict).toBe('not resolved');
    expect(r.why).toMatch(/^the difference is 1\.7 standard errors/);
  });

  it('leaves a single seed unresolved and refuses unpaired inputs with a user error', () => {
    const one = comparePairedClaim([0.9], [0.1]);
    expect(one.verdict).toBe('not resolved');
    expect(one.standardError).toBeNaN();
    expect(one.difference).toBeCloseTo(0.8, 12);
    let err: unknown;
    try {
      comparePairedClaim([0.9, 0.8], [0.1]);
    } catch (e) {
      err = e;
    }
    expect(isUserError(err)).toBe(true);
    expect(String(err)).toMatch(/one score per seed.*got 2, 1 scores/);
    expect(() => comparePairedClaim([], [])).toThrow(/one score per seed/);
  });
});
