/**
 * A view of a dataset at another image size, resized on read (no second copy of the pixels is stored).
 *
 * @module
 */
import { imageBytes, type ImageDataset } from './dataset.js';
import { resizeAndCenterCrop } from './resize.js';

/**
 * Wraps `dataset` so that every image is resized to cover `height × width` and centre-cropped (area filter when
 * shrinking, bilinear when enlarging; see `resize.ts`). Returns `dataset` itself when the size already matches.
 */
export function resizedDataset(dataset: ImageDataset, height: number, width: number = height): ImageDataset {
  if (!Number.isInteger(height) || height <= 0 || !Number.isInteger(width) || width <= 0) {
    throw new RangeError(`resizedDataset: the target size must be positive integers, got ${height}×${width}.`);
  }
  if (dataset.height === height && dataset.width === width) return dataset;
  const src = new Uint8Array(imageBytes(dataset));
  const { channels } = dataset;
  return {
    name: `${dataset.name}@${height}x${width}`,
    size: dataset.size,
    height,
    width,
    channels,
    numClasses: dataset.numClasses,
    ...(dataset.classNames ? { classNames: dataset.classNames } : {}),
    label: (i: number) => dataset.label(i),
    readInto(i: number, out: Uint8Array, offset: number): void {
      dataset.readInto(i, src, 0);
      resizeAndCenterCrop(src, dataset.height, dataset.width, channels, height, width, out, offset);
    },
  };
}
