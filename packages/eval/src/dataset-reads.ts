/**
 * Reading what the protocols need from a `@darl/patch-data` {@link ImageDataset}: every class label (refusing an
 * unlabelled image) and normalised image batches.
 *
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';
import { UserError } from '@darl/tensor-backend';
import { DEFAULT_PIXEL_SCALE, pixelsToTensor, readImages, readLabels, type ImageDataset, type PixelScale } from '@darl/patch-data';

/** Every label of `dataset`; throws a UserError naming `where` if an image is unlabelled. */
export function classLabels(dataset: ImageDataset, where: string): Int32Array {
  const labels = readLabels(dataset, Int32Array.from({ length: dataset.size }, (_, i) => i));
  const missing = labels.indexOf(-1);
  if (missing >= 0) {
    throw new UserError(`${where}: image ${missing} of ${dataset.name} has no label; the protocol needs a class index ≥ 0 for every image. Use a labelled dataset.`);
  }
  return labels;
}

/**
 * Images `indices` of `dataset`, normalised.
 *
 * @returns float32 [B, H, W, C] with B = indices.length; the caller owns it
 */
export function imageBatch(dataset: ImageDataset, indices: ArrayLike<number>, scale: PixelScale = DEFAULT_PIXEL_SCALE): tf.Tensor4D {
  return pixelsToTensor(readImages(dataset, indices), [indices.length, dataset.height, dataset.width, dataset.channels], { scale });
}
