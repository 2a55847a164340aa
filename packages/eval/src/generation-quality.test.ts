import { expect, it } from 'vitest';
import { Rng } from '@darl/tensor-backend';
import { describeBackends, expectNoLeak } from '@darl/tensor-backend/testing';
import { generationQuality, trainQualityClassifier } from './generation-quality.js';
import { arrayDataset } from '@darl/patch-data';

/** Three classes of 6×6 images: a bright top, middle or bottom band on noise. */
function bands(n: number, seed: number, onlyClass?: number) {
  const rng = new Rng(seed);
  const labels = Int32Array.from({ length: n }, (_, i) => onlyClass ?? i % 3);
  const pixels = new Uint8Array(n * 36);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < 36; p++) {
      const band = Math.floor(Math.floor(p / 6) / 2);
      pixels[i * 36 + p] = Math.max(0, Math.min(255, Math.round((band === labels[i] ? 200 : 40) + 25 * rng.normalScalar())));
    }
  }
  return arrayDataset({ images: pixels, labels, height: 6, width: 6, channels: 1 });
}

describeBackends('generationQuality', () => {
  it('real images score like real images; a collapsed generator has no class spread and a large Fréchet distance', async () => {
    const c = trainQualityClassifier(bands(300, 1), 3, { hidden: 16, epochs: 6, batchSize: 50 });
    const heldOut = bands(120, 2);
    const good = await generationQuality(c, bands(60, 3), heldOut, Int32Array.from({ length: 60 }, (_, i) => i % 3));
    expect(good.heldOut.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(good.labelAgreement).toBeGreaterThanOrEqual(0.9);
    expect(good.classSpread).toBeGreaterThan(0.9);
    const collapsed = await generationQuality(c, bands(60, 4, 0), heldOut);
    expect(collapsed.classShares[0]).toBeGreaterThan(0.95);
    expect(collapsed.classSpread).toBeLessThan(0.2);
    expect(collapsed.frechet).toBeGreaterThan(5 * good.frechet);
    expect(collapsed.frechet).toBeGreaterThan(5 * good.heldOut.frechetRealVsReal);
    c.dispose();
  });

  it('needs two disjoint held-out samples and does not leak tensors', async () => {
    await expectNoLeak(async () => {
      const c = trainQualityClassifier(bands(30, 1), 3, { hidden: 4, epochs: 1, batchSize: 10 });
      await expect(generationQuality(c, bands(20, 2), bands(30, 3))).rejects.toThrow(/held-out set has 30 images; 40 are needed/);
      await generationQuality(c, bands(10, 2), bands(20, 3));
      c.dispose();
    }, 'generationQuality');
  });
});
