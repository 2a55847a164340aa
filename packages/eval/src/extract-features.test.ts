import { expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { describeBackends, expectAllClose, expectNoLeak } from '@darl/tensor-backend/testing';
import type { FeatureExtractor } from './feature-extractor.js';
import { extractFeatures } from './extract-features.js';
import { arrayDataset } from '@darl/patch-data';

/**
 * A fake backbone with known features: 2×2 images → 4 tokens (one per pixel), C = 2 channels:
 * token l of layer i = (pixel_l · (i + 1), attention === 'full' ? 1 : 0).
 */
function fakeExtractor(calls: { layers: number[]; attention: string; batch: number }[]): FeatureExtractor {
  return {
    numLayers: 3,
    extract(images, { layers, attention }) {
      calls.push({ layers: [...layers], attention, batch: images.shape[0] });
      return layers.map((i) =>
        tf.tidy(() => {
          const px = tf.reshape(images, [images.shape[0], 4, 1]);
          return tf.concat([tf.mul(px, i + 1), tf.fill([images.shape[0], 4, 1], attention === 'full' ? 1 : 0)], 2) as tf.Tensor3D;
        }),
      );
    },
  };
}

describeBackends('extractFeatures', (ctx) => {
  const pixels = Uint8Array.from({ length: 5 * 4 }, (_, i) => (i * 37) % 256);
  const source = arrayDataset({ images: pixels, labels: [0, 1, 0, 1, 0], height: 2, width: 2, channels: 1 });
  const px = (img: number, l: number): number => pixels[img * 4 + l]! / 127.5 - 1;

  it('runs the backbone once per batch and attention mode with all layers, and caches every pooling', async () => {
    const calls: { layers: number[]; attention: string; batch: number }[] = [];
    const cache = await extractFeatures(fakeExtractor(calls), source, { layers: [0, 2], batchSize: 2 });
    expect(calls.map((c) => `${c.attention}:${c.batch}:${c.layers.join(',')}`)).toEqual([
      'causal:2:0,2', 'causal:2:0,2', 'causal:1:0,2', 'full:2:0,2', 'full:2:0,2', 'full:1:0,2',
    ]);
    expect(cache.entries.length).toBe(2 * 3 * 2);
    const mean = cache.get(2, 'mean', 'full').features;
    expect([mean.rows, mean.dim]).toEqual([5, 2]);
    const expectedMean = Array.from({ length: 5 }, (_, b) => [3 * ((px(b, 0) + px(b, 1) + px(b, 2) + px(b, 3)) / 4), 1]).flat();
    expectAllClose(mean.data, expectedMean, ctx.tol(4), 0, 'mean');
    const last = cache.get(0, 'last', 'causal').features;
    expectAllClose(last.data, Array.from({ length: 5 }, (_, b) => [px(b, 3), 0]).flat(), ctx.tol(), 0, 'last');
    const concat = cache.get(0, 'concat', 'full');
    expect([concat.features.dim, concat.tokens, concat.channels]).toEqual([8, 4, 2]);
    expectAllClose(concat.features.data.subarray(8, 16), [0, 1, 2, 3].flatMap((l) => [px(1, l), 1]), ctx.tol(), 0, 'concat');
    expect(() => cache.get(1, 'mean', 'full')).toThrow(/no features for layer 1/);
  });

  it('does not leak and validates layers', async () => {
    await expectNoLeak(async () => {
      await extractFeatures(fakeExtractor([]), source, { layers: [1], attentions: ['causal'], batchSize: 3 });
    }, 'extractFeatures');
    await expect(extractFeatures(fakeExtractor([]), source, { layers: [3] })).rejects.toThrow(/layer 3 does not exist; the extractor has layers 0 … 2/);
  });
});
