import { expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { AdamW, disposeTree, Rng, type TensorTree } from '@darl/tensor-backend';
import { describeBackends, expectNoLeak } from '@darl/tensor-backend/testing';
import { initTransformer, transformerConfig } from '@darl/transformer';
import { fineTune, initClassificationHead, layerwiseLrScale } from './fine-tune.js';
import { arrayDataset } from '@darl/patch-data';
import { initPatchEmbedding, transformerFineTuneModel, type TransformerBackbone } from './transformer-adapters.js';

/** 8×8 grey images: class 0 has a bright top half, class 1 a bright bottom half, plus noise. */
function halves(rng: Rng, n: number) {
  const pixels = new Uint8Array(n * 64);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    for (let p = 0; p < 64; p++) {
      const top = p < 32;
      const bright = (labels[i] === 0) === top;
      pixels[i * 64 + p] = Math.max(0, Math.min(255, Math.round((bright ? 180 : 60) + 40 * rng.normalScalar())));
    }
  }
  return arrayDataset({ images: pixels, labels, height: 8, width: 8, channels: 1 });
}

function backbone(seed: number): TransformerBackbone {
  const config = transformerConfig({ preset: 'tiny', depth: 2 });
  return {
    config,
    transformer: initTransformer(config, { seed }),
    embedding: initPatchEmbedding({ patchSize: 4, channels: 1, width: config.width, seed: seed + 1 }),
    patchSize: 4,
  };
}

const disposeBackbone = (b: TransformerBackbone): void => {
  disposeTree(b.transformer as unknown as TensorTree);
  disposeTree(b.embedding as unknown as TensorTree);
};

describeBackends('fineTune', () => {
  it('assigns layerDecay^(numLayers + 1 − layer) to every parameter', () => {
    const b = backbone(1);
    const model = transformerFineTuneModel(b);
    const head = initClassificationHead(model.featureDim, 3, { seed: 0 });
    const opt = new AdamW({ backbone: model.params, head } as unknown as TensorTree<tf.Variable>, { lrScale: layerwiseLrScale(model, 0.5) });
    const expected = (path: string): number => {
      if (path.startsWith('head/') || path.startsWith('backbone/transformer/norm/')) return 1; // layer 3 = depth + 1
      if (path.startsWith('backbone/transformer/blocks/1/')) return 0.5; // layer 2
      if (path.startsWith('backbone/transformer/blocks/0/')) return 0.25; // layer 1
      if (path.startsWith('backbone/embedding/')) return 0.125; // layer 0
      throw new Error(`unexpected ${path}`);
    };
    const settings = opt.settings();
    expect(settings.length).toBeGreaterThan(10);
    for (const s of settings) expect([s.path, s.lrScale]).toEqual([s.path, expected(s.path)]);
    expect(settings.some((s) => s.path === 'backbone/embedding/w')).toBe(true);
    expect(() => layerwiseLrScale({ numLayers: 2, layerOf: () => 4 }, 0.5)('backbone/x')).toThrow(/returned 4; layers run from 0/);
    opt.dispose();
    disposeTree(head as unknown as TensorTree);
    disposeBackbone(b);
  });

  it('learns a simple image task, with label smoothing, warm-up + cosine and mixup, reporting top-1 per epoch', async () => {
    const rng = new Rng(3);
    const train = halves(rng, 64);
    const test = halves(rng, 32);
    const b = backbone(2);
    const r = await fineTune(transformerFineTuneModel(b), { train, test, numClasses: 2 }, { epochs: 8, batchSize: 16, lr: 5e-3, mixup: 0.2 });
    expect(r.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(r.test.top1).toBeGreaterThanOrEqual(0.9);
    expect(r.epochs[7]!.trainLoss).toBeLessThan(r.epochs[0]!.trainLoss);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
    disposeBackbone(b);
  });

  it('tests only every testEvery epochs and on the last, without changing the training', async () => {
    const rng = new Rng(5);
    const train = halves(rng, 32);
    const test = halves(rng, 16);
    const run = async (testEvery: number) => {
      const b = backbone(7);
      const r = await fineTune(transformerFineTuneModel(b), { train, test, numClasses: 2 }, { epochs: 4, batchSize: 8, testEvery, seed: 2 });
      disposeBackbone(b);
      return r;
    };
    const every = await run(1);
    const sparse = await run(3);
    expect(sparse.epochs.map((e) => e.top1 !== undefined)).toEqual([false, false, true, true]);
    expect(sparse.epochs.map((e) => e.trainLoss)).toEqual(every.epochs.map((e) => e.trainLoss));
    expect(sparse.test).toEqual(every.test);
    expect(sparse.epochs[2]!.top1).toBe(every.epochs[2]!.top1);
    const b = backbone(8);
    await expect(fineTune(transformerFineTuneModel(b), { train, test, numClasses: 2 }, { testEvery: 0 })).rejects.toThrow(/testEvery must be a positive integer/);
    disposeBackbone(b);
  });

  it('is deterministic for a seed and does not leak', async () => {
    const rng = new Rng(4);
    const train = halves(rng, 16);
    const run = async (): Promise<number[]> => {
      const b = backbone(5);
      const r = await fineTune(transformerFineTuneModel(b), { train, test: train, numClasses: 2 }, { epochs: 1, batchSize: 8, mixup: 0.4, seed: 9 });
      disposeBackbone(b);
      return r.epochs.map((e) => e.trainLoss);
    };
    expect(await run()).toEqual(await run());
    const b = backbone(6);
    await expectNoLeak(async () => {
      await fineTune(transformerFineTuneModel(b), { train, test: train, numClasses: 2 }, { epochs: 1, batchSize: 8, mixup: 0.4 });
    }, 'fineTune');
    disposeBackbone(b);
  });
});
