import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { constantLr, stepLr, warmupCosine, warmupCosineByProgress } from './lr-schedules.js';

describe('warmupCosine', () => {
  const s = warmupCosine({ peak: 1, warmupSteps: 4, totalSteps: 14, final: 0.1 });
  it('warms up linearly to the peak, reaching it at step warmupSteps − 1', () => {
    expect([0, 1, 2, 3].map(s)).toEqual([0.25, 0.5, 0.75, 1]);
  });
  it('follows half a cosine from peak to final, hitting the midpoint halfway, then stays at final', () => {
    expect(s(4)).toBe(1);
    expect(s(9)).toBeCloseTo(0.55, 14); // (1 + 0.1) / 2 at half the decay
    expect(s(14)).toBe(0.1);
    expect(s(1000)).toBe(0.1);
    for (let k = 4; k < 14; k++) expect(s(k + 1)).toBeLessThan(s(k));
  });
  it('is symmetric about the midpoint of the decay: lr(W + d) + lr(T − d) = peak + final', () => {
    for (let d = 0; d <= 10; d++) expect(s(4 + d) + s(14 - d)).toBeCloseTo(1.1, 14);
  });
  it('defaults final to 0 and allows no warm-up', () => {
    const t = warmupCosine({ peak: 2, warmupSteps: 0, totalSteps: 10 });
    expect(t(0)).toBe(2);
    expect(t(10)).toBe(0);
  });
  it('rejects bad options and steps', () => {
    expect(() => warmupCosine({ peak: 1, warmupSteps: 10, totalSteps: 5 })).toThrow(/"totalSteps" \(5\) must be ≥ "warmupSteps" \(10\)/);
    expect(() => warmupCosine({ peak: -1, warmupSteps: 0, totalSteps: 5 })).toThrow(/"peak" must be a finite number ≥ 0/);
    expect(() => s(-1)).toThrow(/warmupCosine: the step must be a finite number ≥ 0/);
    expect(() => s(Number.NaN)).toThrow(/got NaN/);
  });
});

describe('constantLr', () => {
  it('is constant after an optional linear warm-up', () => {
    expect([0, 5, 1e6].map(constantLr(3e-4))).toEqual([3e-4, 3e-4, 3e-4]);
    expect([0, 1, 2, 3].map(constantLr(1, { warmupSteps: 2 }))).toEqual([0.5, 1, 1, 1]);
  });
});

describe('stepLr', () => {
  it('multiplies by factor every `every` steps after warm-up', () => {
    const s = stepLr({ peak: 1, every: 3, factor: 0.5, warmupSteps: 2 });
    expect([0, 1, 2, 4, 5, 7, 8, 11].map(s)).toEqual([0.5, 1, 1, 1, 0.5, 0.5, 0.25, 0.125]);
    expect(() => stepLr({ peak: 1, every: 0, factor: 0.5 })).toThrow(/"every" must be a finite number > 0/);
  });
});

it('the schedule file imports nothing (pure float64 numbers, no tfjs)', () => {
  const source = readFileSync(new URL('./lr-schedules.ts', import.meta.url), 'utf8');
  expect(source).not.toMatch(/^\s*import /m);
});

describe('warmupCosineByProgress', () => {
  const s = warmupCosineByProgress({ peak: 1, warmupSteps: 4, final: 0.1 });
  it('is the step cosine with the step axis replaced by progress: equal to warmupCosine where both are defined', () => {
    // warmupCosine with W = 0 over T steps is the cosine at progress s / T.
    const byStep = warmupCosine({ peak: 1, warmupSteps: 0, totalSteps: 20, final: 0.1 });
    for (let k = 0; k <= 25; k++) expect(s(100, k / 20)).toBeCloseTo(byStep(k), 14);
  });
  it('hits peak at progress 0, the midpoint at ½, final at 1 and stays there', () => {
    expect(s(10, 0)).toBe(1);
    expect(s(10, 0.5)).toBeCloseTo(0.55, 14);
    expect(s(10, 1)).toBeCloseTo(0.1, 14);
    expect(s(10, 7)).toBeCloseTo(0.1, 14);
  });
  it('multiplies the warm-up ramp into the cosine: lr(s, p) = (s + 1) / W · lr(W, p) during warm-up', () => {
    for (const p of [0, 0.01, 0.3]) {
      for (let k = 0; k < 4; k++) expect(s(k, p)).toBeCloseTo(((k + 1) / 4) * s(4, p), 14);
    }
  });
  it('is symmetric about the midpoint: lr(p) + lr(1 − p) = peak + final', () => {
    for (let i = 0; i <= 10; i++) expect(s(50, i / 10) + s(50, 1 - i / 10)).toBeCloseTo(1.1, 14);
  });
  it('rejects a negative or non-finite progress', () => {
    expect(() => s(0, -0.1)).toThrow(/warmupCosineByProgress: the progress must be a finite number ≥ 0/);
    expect(() => s(0, Number.NaN)).toThrow(/got NaN/);
  });
});
