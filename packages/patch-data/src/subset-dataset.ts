/**
 * A seeded random subset of a dataset (a quick experiment, a probe on fewer images), as a view without copying pixels.
 *
 * @module
 */
import { Rng } from '@darl/tensor-backend';
import { DatasetError, type ImageDataset } from './dataset.js';
import { datasetView } from './dataset-view.js';

/**
 * Up to `count` images of `data`, chosen by a permutation seeded by `seed` and kept in index order. `count`
 * undefined or ≥ `data.size` returns `data` itself. The view is named `"<name> (<count> of <size>)"`.
 *
 * @example
 * const small = subsetDataset(loadEmbeddedDigits({ split: 'train' }), 500, 0); // 500 images, the same for seed 0
 */
export function subsetDataset(data: ImageDataset, count: number | undefined, seed: number): ImageDataset {
  if (count === undefined || count >= data.size) return data;
  if (!Number.isInteger(count) || count < 1) throw new DatasetError(`subsetDataset: count must be a positive integer, got ${count}.`);
  const chosen = Int32Array.from(new Rng(seed).fork('subset').permutation(data.size).subarray(0, count)).sort();
  return datasetView(data, chosen, `${data.name} (${count} of ${data.size})`);
}
