import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { describeBackends, expectNoLeak } from '@darl/tensor-backend/testing';
import { featureMatrix } from './feature-matrix.js';
import { trainLbfgsSoftmaxClassifiers } from './lbfgs-softmax-classifier.js';
import { trainRidgeClassifiers } from './ridge-classifier.js';
import { classifierScores } from './linear-classifier.js';
import { top1Accuracy } from './metrics.js';

interface Case {
  name: string;
  rows: number;
  dim: number;
  num_classes: number;
  features: number[];
  labels: number[];
  fits: { l2: number; weight: number[]; bias: number[]; train_accuracy: number }[];
}
const reference = JSON.parse(readFileSync(new URL('../fixtures/lbfgs_reference.json', import.meta.url), 'utf8')) as { cases: Case[] };

describeBackends('trainLbfgsSoftmaxClassifiers', () => {
  for (const c of reference.cases) {
    it(`reaches scikit-learn's LogisticRegression optimum (${c.name})`, async () => {
      const x = featureMatrix(Float32Array.from(c.features), c.rows, c.dim);
      const y = Int32Array.from(c.labels);
      const fits = await trainLbfgsSoftmaxClassifiers(x, y, c.num_classes, c.fits.map((f) => f.l2), { tolerance: 1e-6, maxIterations: 1000 });
      for (const [i, fit] of fits.entries()) {
        const ref = c.fits[i]!;
        // sklearn's multinomial intercepts are defined up to a shared constant: compare them centred.
        const centre = (v: ArrayLike<number>) => {
          const m = Array.from(v).reduce((a, b) => a + b, 0) / v.length;
          return Array.from(v, (e) => e - m);
        };
        const scale = Math.max(...ref.weight.map(Math.abs));
        for (let j = 0; j < ref.weight.length; j++) expect(Math.abs(fit.weight[j]! - ref.weight[j]!) / scale).toBeLessThan(1e-3);
        const [ours, theirs] = [centre(fit.bias), centre(ref.bias)];
        for (let j = 0; j < ours.length; j++) expect(Math.abs(ours[j]! - theirs[j]!)).toBeLessThan(1e-3 * Math.max(1, scale));
        expect(top1Accuracy(await classifierScores(x, fit), y, c.num_classes)).toBeCloseTo(ref.train_accuracy, 6);
      }
    });
  }

  it('separates classes ordered along a line, which least squares (ridge) masks', async () => {
    const c = reference.cases.find((e) => e.name === 'ordered')!;
    const x = featureMatrix(Float32Array.from(c.features), c.rows, c.dim);
    const y = Int32Array.from(c.labels);
    const [soft] = await trainLbfgsSoftmaxClassifiers(x, y, 3, [c.fits[1]!.l2]);
    const [ridge] = await trainRidgeClassifiers(x, y, 3, [1e-3]);
    const accSoft = top1Accuracy(await classifierScores(x, soft!), y, 3);
    const accRidge = top1Accuracy(await classifierScores(x, ridge!), y, 3);
    expect(accSoft).toBeGreaterThan(accRidge + 0.05);
  });

  it('rejects an empty or negative grid and does not leak tensors', async () => {
    const c = reference.cases[0]!;
    const x = featureMatrix(Float32Array.from(c.features), c.rows, c.dim);
    const y = Int32Array.from(c.labels);
    await expect(trainLbfgsSoftmaxClassifiers(x, y, 4, [])).rejects.toThrow(/l2s is empty/);
    await expect(trainLbfgsSoftmaxClassifiers(x, y, 4, [-1])).rejects.toThrow(/every l2 must be a finite number ≥ 0, got -1/);
    await expectNoLeak(async () => {
      await trainLbfgsSoftmaxClassifiers(x, y, 4, [1e-2], { maxIterations: 5 });
    }, 'trainLbfgsSoftmaxClassifiers');
  });
});
