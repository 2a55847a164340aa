import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { featureMatrix } from './feature-matrix.js';
import { frechetDistance, gaussianStatistics, symmetricEigen } from './frechet-distance.js';

const reference = JSON.parse(readFileSync(new URL('../fixtures/frechet_reference.json', import.meta.url), 'utf8')) as {
  cases: { name: string; rows: number; dim: number; a: number[]; b: number[]; distance: number; self_distance: number }[];
};
const stats = (v: number[], rows: number, dim: number) => gaussianStatistics(featureMatrix(Float32Array.from(v), rows, dim));

describe('frechetDistance', () => {
  for (const c of reference.cases) {
    it(`matches NumPy/SciPy (sqrtm) on the "${c.name}" pair`, () => {
      const a = stats(c.a, c.rows, c.dim);
      const b = stats(c.b, c.rows, c.dim);
      expect(Math.abs(frechetDistance(a, b) - c.distance)).toBeLessThan(1e-5 * Math.max(1, c.distance));
      expect(Math.abs(frechetDistance(a, a))).toBeLessThan(1e-6 * Math.max(1, c.distance));
      expect(frechetDistance(b, a)).toBeCloseTo(frechetDistance(a, b), 6); // symmetric
    });
  }

  it('reduces to ‖μ₁ − μ₂‖² + (σ₁ − σ₂)² per dimension for diagonal covariances', () => {
    const a = { dim: 2, mean: Float64Array.from([0, 1]), covariance: Float64Array.from([4, 0, 0, 1]) };
    const b = { dim: 2, mean: Float64Array.from([3, 1]), covariance: Float64Array.from([1, 0, 0, 9]) };
    expect(frechetDistance(a, b)).toBeCloseTo(9 + (2 - 1) ** 2 + (1 - 3) ** 2, 12);
  });

  it('eigendecomposes a symmetric matrix: A·v = λ·v', () => {
    const a = Float64Array.from([4, 1, 2, 1, 3, 0, 2, 0, 5]);
    const { values, vectors } = symmetricEigen(a, 3);
    for (let k = 0; k < 3; k++) {
      for (let i = 0; i < 3; i++) {
        let av = 0;
        for (let j = 0; j < 3; j++) av += a[i * 3 + j]! * vectors[j * 3 + k]!;
        expect(av).toBeCloseTo(values[k]! * vectors[i * 3 + k]!, 12);
      }
    }
  });

  it('rejects mismatched widths and too few rows', () => {
    const a = stats([0, 0, 1, 1], 2, 2);
    const b = stats([0, 1, 2], 3, 1);
    expect(() => frechetDistance(a, b)).toThrow(/feature widths differ \(2 vs 1\)/);
    expect(() => stats([1, 2], 1, 2)).toThrow(/at least 2 rows/);
  });
});
