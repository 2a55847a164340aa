/**
 * Held-out loss of a trained model.
 *
 * @module
 */
import { pixelsToTensor, readImages, type ImageDataset } from '@darl/patch-data';
import { Rng } from '@darl/tensor-backend';
import { darlLoss, type DarlModel, type DarlParams } from '../../../model/darl-model.js';

/** Mean loss over up to `count` images of `data`, in batches, without gradients. */
export function evaluateLoss(model: DarlModel, params: DarlParams, data: ImageDataset, count: number, seed: number, batchSize = 128): number {
  const n = Math.min(count, data.size);
  const rng = new Rng(seed).fork('eval');
  const { height, width, channels } = model.config.image;
  let sum = 0;
  for (let start = 0; start < n; start += batchSize) {
    const idx = Int32Array.from({ length: Math.min(batchSize, n - start) }, (_, i) => start + i);
    const images = pixelsToTensor(readImages(data, idx), [idx.length, height, width, channels], { scale: model.config.pixelScale });
    const r = darlLoss(model, params, images, { rng });
    sum += r.loss.dataSync()[0]! * idx.length;
    r.loss.dispose();
    r.perTarget.dispose();
    images.dispose();
  }
  return n > 0 ? sum / n : Number.NaN;
}
