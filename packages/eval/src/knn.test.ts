import { expect, it } from 'vitest';
import { Rng } from '@darl/tensor-backend';
import { describeBackends, expectNoLeak } from '@darl/tensor-backend/testing';
import { featureMatrix } from './feature-matrix.js';
import { knnEvaluate, knnScores } from './knn.js';
import { gaussianClusters } from './synthetic.test-helpers.js';

describeBackends('kNN', () => {
  it('classifies clustered data (cosine, k = 20)', async () => {
    const rng = new Rng(4);
    const train = gaussianClusters(rng, 500, 16, 5, { spread: 1, noise: 0.2 });
    const test = gaussianClusters(rng, 250, 16, 5, { spread: 1, noise: 0.2, centres: train.centres });
    const m = await knnEvaluate(train, test, 5);
    expect(m.top1).toBeGreaterThanOrEqual(0.99);
    expect(m.top5).toBe(1);
  });

  it('weights votes by exp(sim / τ) over the k most cosine-similar rows (hand-computed)', async () => {
    // Training rows (cosine to the query q = (1, 0)): (2, 0) → 1, (1, 1) → 0.7071, (0, 3) → 0, (−1, 0) → −1.
    const train = { features: featureMatrix(Float32Array.from([2, 0, 1, 1, 0, 3, -1, 0]), 4, 2), labels: Int32Array.from([0, 1, 1, 0]) };
    const q = featureMatrix(Float32Array.from([1, 0]), 1, 2);
    const s = await knnScores(train, q, 2, { k: 3, temperature: 0.5 });
    expect(s[0]).toBeCloseTo(Math.exp(1 / 0.5), 3);
    expect(s[1]! / (Math.exp(Math.SQRT1_2 / 0.5) + 1)).toBeCloseTo(1, 5);
    // Few neighbours of class 1 but a high temperature flips the vote to the majority.
    const s2 = await knnScores(train, q, 2, { k: 3, temperature: 100 });
    expect(s2[1]).toBeGreaterThan(s2[0]!);
  });

  it('batches queries without changing the result, and does not leak', async () => {
    const rng = new Rng(9);
    const train = gaussianClusters(rng, 120, 6, 3, { spread: 1, noise: 0.5 });
    const test = gaussianClusters(rng, 50, 6, 3, { spread: 1, noise: 0.5, centres: train.centres });
    const a = await knnScores(train, test.features, 3, { batchSize: 7 });
    const b = await knnScores(train, test.features, 3, { batchSize: 256 });
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(1e-4 * (1 + b[i]!));
    await expectNoLeak(async () => {
      await knnScores(train, test.features, 3, { batchSize: 16 });
    }, 'knnScores');
  });
});
