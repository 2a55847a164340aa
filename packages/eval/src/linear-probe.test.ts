import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { Rng } from '@darl/tensor-backend';
import { describeBackends, expectNoLeak } from '@darl/tensor-backend/testing';
import { featureMatrix } from './feature-matrix.js';
import { linearProbe } from './linear-probe.js';
import { gaussianClusters, rings, squaredRadius } from './synthetic.test-helpers.js';

interface Reference {
  num_classes: number;
  dim: number;
  sklearn_test_accuracy: number;
  train: { features: number[]; labels: number[] };
  test: { features: number[]; labels: number[] };
}
const reference = JSON.parse(readFileSync(new URL('../fixtures/sklearn_reference.json', import.meta.url), 'utf8')) as Reference;
const ridgeReference = JSON.parse(readFileSync(new URL('../fixtures/ridge_reference.json', import.meta.url), 'utf8')) as {
  probe: { alpha: number; test_accuracy: number };
};
const fromReference = (s: Reference['train']) => ({
  features: featureMatrix(Float32Array.from(s.features), s.labels.length, reference.dim),
  labels: Int32Array.from(s.labels),
});

describeBackends('linearProbe', () => {
  it('reaches 100 % on a linearly separable set', async () => {
    const rng = new Rng(11);
    const train = gaussianClusters(rng, 400, 8, 4, { spread: 3, noise: 0.1 });
    const test = gaussianClusters(rng, 200, 8, 4, { spread: 3, noise: 0.1, centres: train.centres });
    const r = await linearProbe(train, test, 4, { steps: 100 });
    expect(r.test.top1).toBe(1);
    expect(r.valTop1).toBe(1);
  });

  it('cannot separate concentric rings from raw coordinates, but can after the known transform |x|²', async () => {
    const rng = new Rng(5);
    const a = rings(rng, 600);
    const b = rings(rng, 600);
    const raw = await linearProbe(a, b, 2, { solver: 'adamw', steps: 100 });
    expect(raw.test.top1).toBeLessThanOrEqual(0.6);
    const transformed = await linearProbe(
      { features: squaredRadius(a.features), labels: a.labels },
      { features: squaredRadius(b.features), labels: b.labels },
      2,
      { solver: 'adamw', steps: 100 },
    );
    expect(transformed.test.top1).toBe(1);
  });

  it("matches scikit-learn's LogisticRegression within 1 point on the reference feature set", async () => {
    const r = await linearProbe(fromReference(reference.train), fromReference(reference.test), reference.num_classes, { solver: 'adamw' });
    expect(Math.abs(r.test.top1 - reference.sklearn_test_accuracy)).toBeLessThanOrEqual(0.01);
  });

  it("the default L-BFGS solver matches scikit-learn's LogisticRegression(C=1) within half a point on the same set", async () => {
    const r = await linearProbe(fromReference(reference.train), fromReference(reference.test), reference.num_classes, { l2s: [1 / reference.train.labels.length] });
    expect(r.solver).toBe('lbfgs');
    expect(Math.abs(r.test.top1 - reference.sklearn_test_accuracy)).toBeLessThanOrEqual(0.005);
  });

  it("the ridge solver matches scikit-learn's Ridge test accuracy on the same set at the same alpha", async () => {
    const { alpha, test_accuracy } = ridgeReference.probe;
    const r = await linearProbe(fromReference(reference.train), fromReference(reference.test), reference.num_classes, { solver: 'ridge', alphas: [alpha] });
    expect(Math.abs(r.test.top1 - test_accuracy)).toBeLessThanOrEqual(0.002);
  });

  it('chooses the weight decay without looking at the test set', async () => {
    const rng = new Rng(8);
    const train = gaussianClusters(rng, 300, 6, 3, { spread: 0.7, noise: 1 });
    const test = gaussianClusters(rng, 200, 6, 3, { spread: 0.7, noise: 1, centres: train.centres });
    const cfg = { solver: 'adamw' as const, steps: 60, weightDecays: [0, 0.3, 3] };
    const a = await linearProbe(train, test, 3, cfg);
    const scrambled = { features: test.features, labels: new Rng(1).permutation(200).map((i) => test.labels[i]!) };
    const b = await linearProbe(train, { features: scrambled.features, labels: Int32Array.from(scrambled.labels) }, 3, cfg);
    expect(b.weightDecay).toBe(a.weightDecay);
    expect(b.validation).toEqual(a.validation);
    expect(Array.from(b.classifier.weight)).toEqual(Array.from(a.classifier.weight));
    expect(b.test.top1).not.toBe(a.test.top1);
  });

  it('does not leak tensors', async () => {
    const rng = new Rng(2);
    const train = gaussianClusters(rng, 100, 4, 3, { spread: 2, noise: 0.5 });
    await expectNoLeak(async () => {
      await linearProbe(train, train, 3, { steps: 5, batchSize: 32 });
    }, 'linearProbe');
  });

  it('rejects mismatched inputs with a clear message', async () => {
    const rng = new Rng(2);
    const a = gaussianClusters(rng, 20, 4, 2, { spread: 1, noise: 1 });
    const b = gaussianClusters(rng, 20, 3, 2, { spread: 1, noise: 1 });
    await expect(linearProbe(a, b, 2)).rejects.toThrow(/train features have 4 columns but test features 3/);
    await expect(linearProbe(a, a, 1)).rejects.toThrow(/numClasses must be an integer ≥ 2/);
  });
});
