import { describe, expect, it } from 'vitest';
import { arrayDataset } from './array-dataset.js';
import { readImages, readLabels } from './dataset.js';
import { datasetView } from './dataset-view.js';

describe('datasetView', () => {
  const images = Uint8Array.from({ length: 6 }, (_, i) => i * 10); // six 1×1 gray images, pixel = 10 · index
  const data = arrayDataset({ name: 'toy', images, height: 1, width: 1, channels: 1, labels: [0, 1, 2, 0, 1, 2], classNames: ['a', 'b', 'c'] });

  it('reads the chosen images and labels in the order given', () => {
    const view = datasetView(data, Int32Array.from([4, 1, 5]), 'toy (picked)');
    expect([view.size, view.name, view.numClasses, view.classNames]).toEqual([3, 'toy (picked)', 3, ['a', 'b', 'c']]);
    expect(Array.from(readImages(view, [0, 1, 2]))).toEqual([40, 10, 50]);
    expect(Array.from(readLabels(view, [0, 1, 2]))).toEqual([1, 1, 2]);
  });

  it('rejects an index outside the dataset when the view is made', () => {
    expect(() => datasetView(data, Int32Array.from([0, 6]), 'bad')).toThrow(/datasetView\(toy\): image index must be an integer in \[0, 6\), got 6/);
  });
});
