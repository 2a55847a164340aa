import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { describeBackends, expectNoLeak } from '@darl/tensor-backend/testing';
import { featureMatrix } from './feature-matrix.js';
import { trainRidgeClassifiers } from './ridge-classifier.js';

interface Case {
  name: string;
  rows: number;
  dim: number;
  features: number[];
  labels: number[];
  fits: { alpha: number; weight: number[]; bias: number[] }[];
}
const reference = JSON.parse(readFileSync(new URL('../fixtures/ridge_reference.json', import.meta.url), 'utf8')) as {
  num_classes: number;
  cases: Case[];
};

describeBackends('trainRidgeClassifiers', () => {
  for (const c of reference.cases) {
    it(`matches scikit-learn's Ridge coefficients and intercepts (${c.name}: ${c.rows} rows × ${c.dim} columns, ${c.dim <= c.rows ? 'primal' : 'dual'})`, async () => {
      const x = featureMatrix(Float32Array.from(c.features), c.rows, c.dim);
      const fits = await trainRidgeClassifiers(x, Int32Array.from(c.labels), reference.num_classes, c.fits.map((f) => f.alpha));
      fits.forEach((fit, i) => {
        const ref = c.fits[i]!;
        const scale = Math.max(...ref.weight.map(Math.abs));
        let worst = 0;
        for (let j = 0; j < ref.weight.length; j++) worst = Math.max(worst, Math.abs(fit.weight[j]! - ref.weight[j]!));
        expect(worst / scale).toBeLessThan(5e-5);
        for (let j = 0; j < ref.bias.length; j++) expect(Math.abs(fit.bias[j]! - ref.bias[j]!)).toBeLessThan(5e-5 * Math.max(1, Math.abs(ref.bias[j]!)));
      });
    });
  }

  it('rejects an empty or negative alpha grid', async () => {
    const x = featureMatrix(new Float32Array(8), 4, 2);
    const y = Int32Array.from([0, 1, 0, 1]);
    await expect(trainRidgeClassifiers(x, y, 2, [])).rejects.toThrow(/alphas is empty/);
    await expect(trainRidgeClassifiers(x, y, 2, [-1])).rejects.toThrow(/every alpha must be a finite number ≥ 0, got -1/);
  });

  it('does not leak tensors', async () => {
    const c = reference.cases[1]!;
    const x = featureMatrix(Float32Array.from(c.features), c.rows, c.dim);
    await expectNoLeak(async () => {
      await trainRidgeClassifiers(x, Int32Array.from(c.labels), reference.num_classes, [0.1]);
    }, 'trainRidgeClassifiers');
  });
});
