import { Rng } from '@darl/tensor-backend';
import { describe, expect, it } from 'vitest';
import { cosineSchedule } from './cosine-schedule.js';
import { sampleNoiseLevels } from './noise-level.js';
import { validateNoiseLevelSpec } from './validate-noise-level-spec.js';
import { GAMMA_MAX, GAMMA_MIN } from './noise-schedule.js';

/** Kolmogorov–Smirnov statistic of samples against a continuous CDF. */
function ksStatistic(samples: Float64Array, cdf: (x: number) => number): number {
  const s = Float64Array.from(samples).sort();
  const n = s.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(s[i]!);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  return d;
}

const N = 20_000;
/** 5 % critical value of the one-sample KS test for large n. */
const KS_CRIT = 1.36 / Math.sqrt(N);
const arcsineCdf = (x: number): number => (2 / Math.PI) * Math.asin(Math.sqrt(Math.min(1, Math.max(0, x))));

function rawBeta(a: number, b: number, n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () => rng.betaScalar(a, b));
}

describe('noise levels: distribution identities', () => {
  it('uniform t through the cosine schedule gives γ ~ Beta(½, ½) (KS test, n = 20 000)', () => {
    const gamma = sampleNoiseLevels({ kind: 'schedule', schedule: 'cosine' }, N, new Rng(7));
    const d = ksStatistic(gamma, arcsineCdf);
    console.log(`KS statistic, cosine schedule vs Beta(1/2, 1/2), n = ${N}: D = ${d.toFixed(5)} (5 % critical value ${KS_CRIT.toFixed(5)})`);
    expect(d).toBeLessThan(KS_CRIT);
    // …and the test can fail: a shifted cosine schedule is not Beta(½, ½).
    const shifted = sampleNoiseLevels({ kind: 'schedule', schedule: 'cosine', shift: 0.5 }, N, new Rng(7));
    expect(ksStatistic(shifted, arcsineCdf)).toBeGreaterThan(5 * KS_CRIT);
  });

  it('Beta(½, ½) draws through sampleNoiseLevels match the same arcsine law', () => {
    const gamma = sampleNoiseLevels({ kind: 'beta', a: 0.5, b: 0.5 }, N, new Rng(8));
    expect(ksStatistic(gamma, arcsineCdf)).toBeLessThan(KS_CRIT);
  });

  const closedForm: [string, number, number, (x: number) => number][] = [
    ['Beta(0.03, 1)', 0.03, 1, (x) => x ** 0.03],
    ['Beta(0.08, 1)', 0.08, 1, (x) => x ** 0.08],
    ['Beta(1, 3)', 1, 3, (x) => 1 - (1 - x) ** 3],
    // b ≪ 1 cannot be KS-tested near 1 in float64: Beta(1, 0.05) puts 16 % of its mass within 1e-16 of 1, which
    // rounds to exactly 1 (harmless for γ, clamped at 1 − 1e-6). b = 0.3 puts only 2e-5 there.
    ['Beta(1, 0.3)', 1, 0.3, (x) => 1 - (1 - x) ** 0.3],
    ['Beta(2, 2)', 2, 2, (x) => 3 * x * x - 2 * x * x * x],
  ];
  for (const [name, a, b, cdf] of closedForm) {
    it(`Rng.betaScalar ${name} matches its CDF (KS test)`, () => {
      expect(ksStatistic(rawBeta(a, b, N, 11), cdf)).toBeLessThan(KS_CRIT);
    });
  }

  const moments: [number, number][] = [
    [0.03, 0.5],
    [0.03, 3],
    [0.05, 0.05],
    [0.5, 0.5],
    [1, 3],
    [2, 5],
    [5, 1.5],
  ];
  for (const [a, b] of moments) {
    it(`Rng.betaScalar Beta(${a}, ${b}): sample mean and variance match theory`, () => {
      const x = rawBeta(a, b, N, 21);
      // raw moments E[X^k] = ∏_{r<k} (a + r)/(a + b + r)
      const m = [1, 2, 3, 4].map((k) => Array.from({ length: k }, (_, r) => (a + r) / (a + b + r)).reduce((p, q) => p * q, 1));
      const [m1, m2, m3, m4] = m as [number, number, number, number];
      const variance = m2 - m1 * m1;
      const mu4 = m4 - 4 * m1 * m3 + 6 * m1 * m1 * m2 - 3 * m1 ** 4;
      let mean = 0;
      for (const v of x) mean += v;
      mean /= N;
      let v2 = 0;
      for (const v of x) v2 += (v - mean) ** 2;
      v2 /= N - 1;
      expect(Math.abs(mean - m1)).toBeLessThan(5 * Math.sqrt(variance / N));
      expect(Math.abs(v2 - variance)).toBeLessThan(5 * Math.sqrt((mu4 - variance * variance) / N));
    });
  }
});

describe('sampleNoiseLevels', () => {
  it('clamps to [GAMMA_MIN, GAMMA_MAX], is seeded, and draws t uniformly through the schedule', () => {
    const g = sampleNoiseLevels({ kind: 'beta', a: 0.03, b: 0.03 }, 2000, new Rng(1));
    expect(Math.min(...g)).toBe(GAMMA_MIN);
    expect(Math.max(...g)).toBe(GAMMA_MAX);
    expect(Array.from(sampleNoiseLevels({ kind: 'beta', a: 1, b: 3 }, 5, new Rng(3)))).toEqual(
      Array.from(sampleNoiseLevels({ kind: 'beta', a: 1, b: 3 }, 5, new Rng(3))),
    );
    const rng = new Rng(5);
    const t = [rng.next(), rng.next(), rng.next()];
    expect(Array.from(sampleNoiseLevels({ kind: 'schedule', schedule: 'cosine' }, 3, new Rng(5)))).toEqual(t.map((v) => cosineSchedule().gamma(v)));
  });

  it('rejects malformed specs with clear messages', () => {
    expect(() => validateNoiseLevelSpec('sampleNoiseLevels', { kind: 'beta', a: 0, b: 1 })).toThrow(/Beta\(a, b\) needs finite a > 0 and b > 0, got a = 0/);
    expect(() => validateNoiseLevelSpec('sampleNoiseLevels', { kind: 'uniform' } as never)).toThrow(/kind must be 'beta' or 'schedule'/);
    expect(() => sampleNoiseLevels({ kind: 'beta', a: 1, b: 1 }, -1, new Rng(1))).toThrow(/non-negative integer/);
  });
});
