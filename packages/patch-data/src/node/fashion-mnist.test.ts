// Reads the full Fashion-MNIST installed by Debian's dataset-fashion-mnist. Skipped only outside CI when the folder
// is absent; in CI (process.env.CI set) a missing folder fails loudly.
import { describe, it, expect } from 'vitest';
import { existsSync } from 'node:fs';
import { loadIdx } from './idx.js';
import { openDataset } from './open-dataset.js';

const DIR = '/usr/share/datasets/fashion-mnist';
const skip = !existsSync(DIR) && !process.env.CI;

describe('Fashion-MNIST (Debian dataset-fashion-mnist)', () => {
  it.skipIf(skip)('reads all 70 000 images with balanced labels', async () => {
    const train = await loadIdx({ dir: DIR, split: 'train' });
    const test = await openDataset(`idx:${DIR}`, { split: 'test' });
    expect([train.size, test.size]).toEqual([60000, 10000]);
    for (const [ds, perClass] of [[train, 6000], [test, 1000]] as const) {
      expect([ds.height, ds.width, ds.channels, ds.numClasses]).toEqual([28, 28, 1, 10]);
      const counts = new Array<number>(10).fill(0);
      for (let i = 0; i < ds.size; i++) counts[ds.label(i)!]!++;
      expect(counts).toEqual(new Array(10).fill(perClass));
      // Every image is read; the pixel mean is Fashion-MNIST's well-known ≈ 0.286 (train) / 0.287 (test).
      const buf = new Uint8Array(784);
      let sum = 0;
      for (let i = 0; i < ds.size; i++) {
        ds.readInto(i, buf, 0);
        for (let p = 0; p < 784; p++) sum += buf[p]!;
      }
      expect(sum / (ds.size * 784 * 255)).toBeCloseTo(ds === train ? 0.286 : 0.287, 2);
    }
    // First training labels of Fashion-MNIST: 9 (ankle boot), 0, 0, 3, 0, 2.
    expect(Array.from({ length: 6 }, (_, i) => train.label(i))).toEqual([9, 0, 0, 3, 0, 2]);
  });
});
