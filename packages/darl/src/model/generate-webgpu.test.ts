// Generation with the KV cache and the linear probe on webgpu: the same numbers as the cpu backend for the same seed
// (within float32 tolerance), finite, and a probe on the model's features that beats chance. Runs when
// DARL_TEST_BACKENDS includes webgpu.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { extractFeatures, knnEvaluate, linearProbe } from '@darl/eval';
import { pixelsToTensor, readImages, readLabels } from '@darl/patch-data';
import { disposeTree, type BackendInfo } from '@darl/tensor-backend';
import { buildDarl, initDarlParams, paramTree } from './darl-model.js';
import { darlFeatureExtractor } from './feature-extractor.js';
import { generate } from './generate.js';
import { CLASSES, tinyDataset } from '../test-support/tiny-data.js';
import { onBackend, precisionTol, WEBGPU_REQUESTED, worstDiff } from '../test-support/webgpu.js';

/** Patch 4 on 8×8 images: 4 patches, so generation is 4 autoregressive steps (SwiftShader runs ~0.4 ms per op). */
const model = (objective: 'mse' | 'diffusion') =>
  buildDarl({
    image: { height: 8, width: 8, channels: 1 },
    patchSize: 4,
    backbone: { preset: 'tiny', width: 16, depth: 2, heads: 2 },
    objective,
    diffusion: { decoder: { width: 16, depth: 1 }, sampleSteps: 3 },
  });

const train = tinyDataset(48, 1);
const test = tinyDataset(24, 2);

/** Two unconditional samples and two completions of data images from their first 2 of 4 patches. */
async function generated(objective: 'mse' | 'diffusion'): Promise<{ samples: Float32Array; completions: Float32Array; originals: Float32Array }> {
  const m = model(objective);
  const params = initDarlParams(m, { seed: 3 });
  const images = pixelsToTensor(readImages(test, [0, 1]), [2, 8, 8, 1], { scale: m.config.pixelScale });
  const samples = generate(m, params, { n: 2, seed: 5 });
  const completions = generate(m, params, { prefix: { images, patches: 2 }, seed: 6 });
  try {
    const [s, c, o] = await Promise.all([samples.data(), completions.data(), images.data()]);
    return { samples: s as Float32Array, completions: c as Float32Array, originals: o as Float32Array };
  } finally {
    tf.dispose([images, samples, completions]);
    disposeTree(paramTree(params));
  }
}

/** Layer-1 concat features of the tiny set, then a linear probe and kNN on them. */
async function probed(): Promise<{ features: Float32Array; top1: number; knnTop1: number }> {
  const m = model('mse');
  const params = initDarlParams(m, { seed: 3 });
  try {
    const extractor = darlFeatureExtractor(m, params);
    const sel = { layers: [1], poolings: ['concat'] as const, attentions: ['full'] as const, batchSize: 16 };
    const tr = (await extractFeatures(extractor, train, sel)).get(1, 'concat', 'full');
    const te = (await extractFeatures(extractor, test, sel)).get(1, 'concat', 'full');
    const labels = (d: typeof train) => Int32Array.from(readLabels(d, Int32Array.from({ length: d.size }, (_, i) => i)));
    const trainSet = { features: tr.features, labels: labels(train) };
    const testSet = { features: te.features, labels: labels(test) };
    const probe = await linearProbe(trainSet, testSet, CLASSES);
    const knn = await knnEvaluate(trainSet, testSet, CLASSES, { k: 5 });
    return { features: te.features.data, top1: probe.test.top1, knnTop1: knn.top1 };
  } finally {
    disposeTree(paramTree(params));
  }
}

describe.runIf(WEBGPU_REQUESTED)('generation and probes, webgpu against cpu [webgpu]', () => {
  let info: BackendInfo | undefined;
  const tol = (scale: number, depth: number) => precisionTol(info!, depth * Math.max(1, scale));

  it.each(['mse', 'diffusion'] as const)('%s: KV-cache generation equals cpu for the same seed and keeps the prefix', async (objective) => {
    const cpu = await onBackend('cpu', () => generated(objective));
    const gpu = await onBackend('webgpu', async (i) => {
      info = i;
      return generated(objective);
    });
    for (const key of ['samples', 'completions'] as const) {
      expect(gpu[key].every(Number.isFinite), `${key} finite`).toBe(true);
      const { diff, scale } = worstDiff(gpu[key], cpu[key]);
      // 4 autoregressive patch steps (× 3 denoising steps for diffusion), each a depth-2 network: scale 4 · 3 · 8.
      expect(diff, key).toBeLessThanOrEqual(tol(scale, 4 * 3 * 8));
    }
    // The completions keep their prefix: the first 2 patches (rows 0–3) of each image are the given ones.
    for (let i = 0; i < 2; i++) {
      const rows = (a: Float32Array) => a.subarray(i * 64, i * 64 + 32);
      expect(worstDiff(rows(gpu.completions), rows(gpu.originals)).diff, `prefix of completion ${i}`).toBeLessThanOrEqual(tol(1, 1));
    }
  });

  it("extracts the cpu's features and a linear probe and kNN on them beat chance", async () => {
    const cpu = await onBackend('cpu', () => probed());
    const gpu = await onBackend('webgpu', async (i) => {
      info = i;
      return probed();
    });
    const { diff, scale } = worstDiff(gpu.features, cpu.features);
    expect(diff).toBeLessThanOrEqual(tol(scale, 8));
    expect(gpu.top1).toBeGreaterThanOrEqual(0.9); // chance: 1 / 4
    expect(gpu.knnTop1).toBeGreaterThanOrEqual(0.9);
    expect(gpu.top1).toBe(cpu.top1);
  });
});
