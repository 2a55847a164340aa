/**
 * Held-out loss of a trained model.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { pixelsToTensor, readImages, type ImageDataset } from '@darl/patch-data';
import { Rng } from '@darl/tensor-backend';
import { darlLoss, type DarlModel, type DarlParams } from '../../../model/darl-model.js';

/**
 * Mean loss over up to `count` images of `data`, in batches, without gradients. The batches' losses are read once, at
 * the end, with `await data()`.
 */
export async function evaluateLoss(model: DarlModel, params: DarlParams, data: ImageDataset, count: number, seed: number, batchSize = 128): Promise<number> {
  const n = Math.min(count, data.size);
  const rng = new Rng(seed).fork('eval');
  const { height, width, channels } = model.config.image;
  const losses: tf.Scalar[] = [];
  const sizes: number[] = [];
  try {
    for (let start = 0; start < n; start += batchSize) {
      const idx = Int32Array.from({ length: Math.min(batchSize, n - start) }, (_, i) => start + i);
      const images = pixelsToTensor(readImages(data, idx), [idx.length, height, width, channels], { scale: model.config.pixelScale });
      const r = darlLoss(model, params, images, { rng });
      losses.push(r.loss);
      sizes.push(idx.length);
      r.perTarget.dispose();
      images.dispose();
    }
    const values = await Promise.all(losses.map((l) => l.data()));
    let sum = 0;
    values.forEach((v, i) => {
      sum += v[0]! * sizes[i]!;
    });
    return n > 0 ? sum / n : Number.NaN;
  } finally {
    tf.dispose(losses);
  }
}
