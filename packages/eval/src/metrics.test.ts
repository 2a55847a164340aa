import { describe, expect, it } from 'vitest';
import { classificationMetrics, top1Accuracy } from './metrics.js';

describe('classificationMetrics', () => {
  it('counts top-1, top-5, per-class accuracy and the confusion matrix by hand', () => {
    // 6 classes, 4 examples. Scores chosen so the true class ranks 1st, 2nd, 6th and 5th.
    const scores = Float32Array.from([
      9, 1, 2, 3, 4, 5, // y=0 ranks 1st → pred 0
      1, 5, 6, 0, 0, 0, // y=1 ranks 2nd → pred 2
      0, 1, 2, 3, 4, 5, // y=0 ranks 6th → pred 5
      5, 4, 3, 2, 1, 0, // y=4 ranks 5th → pred 0
    ]);
    const m = classificationMetrics(scores, [0, 1, 0, 4], 6);
    expect(m.top1).toBe(0.25);
    expect(m.top5).toBe(0.75);
    expect(m.perClassAccuracy).toEqual([0.5, 0, null, null, 0, null]);
    expect(m.meanClassAccuracy).toBeCloseTo(1 / 6, 12);
    expect(m.confusion[0]).toEqual([1, 0, 0, 0, 0, 1]);
    expect(m.confusion[1]).toEqual([0, 0, 1, 0, 0, 0]);
    expect(m.confusion[4]).toEqual([1, 0, 0, 0, 0, 0]);
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
    expect(top1Accuracy(scores, [0, 1, 0, 4], 6)).toBe(0.25);
  });

  it('has no top-5 below 5 classes and breaks ties towards the lower class', () => {
    const m = classificationMetrics(Float32Array.from([1, 1, 0, 0, 2, 2]), [1, 1], 3);
    expect(m.top5).toBeNull();
    expect(m.top1).toBe(0.5);
    expect(m.confusion[1]).toEqual([1, 1, 0]);
  });

  it('rejects mismatched sizes and out-of-range labels', () => {
    expect(() => classificationMetrics(new Float32Array(5), [0, 1], 3)).toThrow(/scores must be \[N=2, K=3\]/);
    expect(() => classificationMetrics(new Float32Array(6), [0, 3], 3)).toThrow(/label 1 is 3/);
  });
});
