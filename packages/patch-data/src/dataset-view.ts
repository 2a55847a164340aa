/**
 * A dataset view over chosen images of another (a subset, a held-out split), without copying pixels.
 *
 * @module
 */
import { checkIndex, type ImageDataset } from './dataset.js';

/**
 * The images `indices` of `data`, in that order, with their labels, named `name`. Every index is checked up front.
 *
 * @example
 * const { fit, val } = holdoutSplit(train.size, 1 / 6, 0); // @darl/eval
 * const heldOut = datasetView(train, val, `${train.name} (held out)`);
 */
export function datasetView(data: ImageDataset, indices: Int32Array, name: string): ImageDataset {
  for (const i of indices) checkIndex(`datasetView(${data.name})`, i, data.size);
  return {
    height: data.height,
    width: data.width,
    channels: data.channels,
    numClasses: data.numClasses,
    ...(data.classNames ? { classNames: data.classNames } : {}),
    name,
    size: indices.length,
    label: (i: number) => data.label(indices[i]!),
    readInto: (i: number, out: Uint8Array, offset: number) => data.readInto(indices[i]!, out, offset),
  };
}
