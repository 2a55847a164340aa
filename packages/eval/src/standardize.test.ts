import { describe, expect, it } from 'vitest';
import { Rng } from '@darl/tensor-backend';
import { featureMatrix } from './feature-matrix.js';
import { featureStatistics, standardizeFeatures } from './standardize.js';
import { holdoutSplit } from './holdout-split.js';

describe('standardisation with training statistics', () => {
  it('gives zero mean and unit population variance on the training rows', () => {
    const rng = new Rng(3);
    const data = Float32Array.from({ length: 300 * 4 }, (_, i) => 5 * (i % 4) + (1 + (i % 4)) * rng.normalScalar());
    const x = featureMatrix(data, 300, 4);
    const z = standardizeFeatures(x, featureStatistics(x));
    for (let c = 0; c < 4; c++) {
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < 300; i++) {
        s += z.data[i * 4 + c]!;
        s2 += z.data[i * 4 + c]! ** 2;
      }
      expect(Math.abs(s / 300)).toBeLessThan(1e-5);
      expect(s2 / 300).toBeCloseTo(1, 4);
    }
  });

  it('applies the training statistics to other rows unchanged (no statistics from the test set)', () => {
    const train = featureMatrix(Float32Array.from([0, 10, 2, 30]), 2, 2); // mean [1, 20], var [1, 100]
    const stats = featureStatistics(train, 0);
    expect(Array.from(stats.mean)).toEqual([1, 20]);
    const test = featureMatrix(Float32Array.from([3, 20, 1, 40]), 2, 2);
    expect(Array.from(standardizeFeatures(test, stats).data)).toEqual([2, 0, 0, 2]);
  });

  it('keeps a constant feature finite (eps)', () => {
    const x = featureMatrix(Float32Array.from([1, 1, 1]), 3, 1);
    expect(Array.from(standardizeFeatures(x, featureStatistics(x)).data)).toEqual([0, 0, 0]);
  });
});

describe('holdoutSplit', () => {
  it('is a seeded partition with the requested held-out size', () => {
    const a = holdoutSplit(100, 0.1, 7);
    expect(a.val.length).toBe(10);
    expect(new Set([...a.fit, ...a.val]).size).toBe(100);
    expect(holdoutSplit(100, 0.1, 7)).toEqual(a);
    expect(Array.from(holdoutSplit(100, 0.1, 8).val)).not.toEqual(Array.from(a.val));
  });
});
