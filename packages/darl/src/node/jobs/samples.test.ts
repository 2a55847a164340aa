import { expect, it } from 'vitest';
import { arrayDataset } from '@darl/patch-data';
import { completionIndices } from './samples.js';

it('picks one completion image per class even when the data is grouped by class', () => {
  const labels = [0, 0, 0, 1, 1, 1, 2, 2, 2, 3];
  const data = arrayDataset({ images: new Uint8Array(labels.length * 4), height: 2, width: 2, channels: 1, labels, numClasses: 4 });
  expect(Array.from(completionIndices(data, 3))).toEqual([0, 3, 6]);
  expect(Array.from(completionIndices(data, 4))).toEqual([0, 3, 6, 9]);
  // More than the classes: evenly spaced instead.
  expect(Array.from(completionIndices(data, 5))).toEqual([0, 2, 4, 6, 8]);
  const unlabelled = arrayDataset({ images: new Uint8Array(40), height: 2, width: 2, channels: 1 });
  expect(Array.from(completionIndices(unlabelled, 2))).toEqual([0, 5]);
});
