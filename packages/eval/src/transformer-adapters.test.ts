import { expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { disposeTree, Rng, type TensorTree } from '@darl/tensor-backend';
import { describeBackends, expectAllClose, expectNoLeak } from '@darl/tensor-backend/testing';
import { applyTransformer, initTransformer, transformerConfig } from '@darl/transformer';
import { arrayDataset } from '@darl/patch-data';
import { formatProbeSweep, probeSweep } from './probe-sweep.js';
import { embedPatches, initPatchEmbedding, transformerFeatureExtractor, type TransformerBackbone } from './transformer-adapters.js';

function backbone(): TransformerBackbone {
  const config = transformerConfig({ preset: 'tiny', depth: 2 });
  return {
    config,
    transformer: initTransformer(config, { seed: 1 }),
    embedding: initPatchEmbedding({ patchSize: 4, channels: 1, width: config.width, seed: 2 }),
    patchSize: 4,
  };
}

describeBackends('transformer adapters', (ctx) => {
  it('embeds raster patches: token (r, c) is patch (r, c) flattened (row, col, channel) times W plus b', async () => {
    const emb = initPatchEmbedding({ patchSize: 2, channels: 1, width: 3, seed: 0 });
    const img = tf.tensor4d(Array.from({ length: 16 }, (_, i) => i), [1, 4, 4, 1]);
    const { tokens, positions } = embedPatches(emb, img, 2);
    expect(tokens.shape).toEqual([1, 4, 3]);
    expect(Array.from(positions.rows)).toEqual([0, 0, 1, 1]);
    expect(Array.from(positions.cols)).toEqual([0, 1, 0, 1]);
    // Patch (1, 0) holds pixels 8, 9, 12, 13.
    const expected = tf.matMul(tf.tensor2d([[8, 9, 12, 13]]), emb.w as tf.Tensor2D);
    expectAllClose(tf.slice(tokens, [0, 2, 0], [1, 1, 3]), expected, ctx.tol(50), 0, 'token 2');
    await expectNoLeak(() => embedPatches(emb, img, 2).tokens, 'embedPatches');
    disposeTree(emb as unknown as TensorTree);
  });

  it('layer 0 is the patch tokens, layer i the output of block i; the last token of layer 1 is the same under causal and full attention', async () => {
    const b = backbone();
    const ex = transformerFeatureExtractor(b);
    expect(ex.numLayers).toBe(3);
    const images = new Rng(3).normal([2, 8, 8, 1]) as tf.Tensor4D;
    const [t0, c1, c2] = ex.extract(images, { layers: [0, 1, 2], attention: 'causal' });
    const [f1] = ex.extract(images, { layers: [1], attention: 'full' });
    expect(c1!.shape).toEqual([2, 4, 32]);
    const { tokens, positions } = embedPatches(b.embedding, images, 4);
    const direct = applyTransformer(b.transformer, b.config, tokens, { positions, attention: 'causal', returnHidden: true });
    expectAllClose(t0!, tokens, 0, 0, 'layer 0');
    expectAllClose(c1!, direct.hidden![0]!, ctx.tol(10), 0, 'layer 1');
    expectAllClose(c2!, direct.hidden![1]!, ctx.tol(10), 0, 'layer 2');
    expectAllClose(tf.slice(c1!, [0, 3, 0], [2, 1, 32]), tf.slice(f1!, [0, 3, 0], [2, 1, 32]), ctx.tol(10), 0, 'last token');
    expect(tf.max(tf.abs(tf.sub(tf.slice(c1!, [0, 0, 0], [2, 1, 32]), tf.slice(f1!, [0, 0, 0], [2, 1, 32])))).dataSync()[0]).toBeGreaterThan(1e-3);
    await expectNoLeak(() => ex.extract(images, { layers: [1, 0], attention: 'full' }), 'extract');
    expect(() => ex.extract(images, { layers: [3], attention: 'full' })).toThrow(/layer 3 does not exist/);
    disposeTree(b.transformer as unknown as TensorTree);
    disposeTree(b.embedding as unknown as TensorTree);
  });

  it('sweeps every layer × pooling × attention with the pixel baseline, choosing the best cell on validation', async () => {
    const rng = new Rng(7);
    const make = (n: number) => {
      const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
      const pixels = Uint8Array.from({ length: n * 64 }, (_, j) => Math.min(255, Math.max(0, Math.round(60 * labels[Math.floor(j / 64)]! + 40 + 10 * rng.normalScalar()))));
      return arrayDataset({ images: pixels, labels, height: 8, width: 8, channels: 1 });
    };
    const b = backbone();
    const messages: string[] = [];
    const train = make(60);
    const test = make(30);
    let result: Awaited<ReturnType<typeof probeSweep>> | undefined;
    await expectNoLeak(async () => {
      result = await probeSweep(transformerFeatureExtractor(b), {
        train,
        test,
        probe: { steps: 30, weightDecays: [0, 0.1] },
        batchSize: 16,
        onProgress: (m) => messages.push(m),
      });
    }, 'probeSweep');
    const r = result!;
    expect(r.cells.length).toBe(3 * 3 * 2);
    expect(new Set(r.cells.map((c) => `${c.layer}/${c.pooling}/${c.attention}`)).size).toBe(18);
    expect(r.best.valTop1).toBe(Math.max(...r.cells.map((c) => c.valTop1)));
    expect(r.cells.find((c) => c.pooling === 'concat')!.dim).toBe(4 * 32);
    expect(r.pixels!.dim).toBe(64);
    expect(r.pixels!.testTop1).toBeGreaterThanOrEqual(0.9);
    expect(r.numClasses).toBe(3);
    expect(messages.length).toBeGreaterThan(12);
    expect(JSON.parse(JSON.stringify(r)).cells.length).toBe(18);
    disposeTree(b.transformer as unknown as TensorTree);
    disposeTree(b.embedding as unknown as TensorTree);
  });

  it('probes a control extractor on every cell under the same protocol; a control identical to the model scores identically', async () => {
    const rng = new Rng(3);
    const make = (n: number) => {
      const labels = Int32Array.from({ length: n }, (_, i) => i % 2);
      const pixels = Uint8Array.from({ length: n * 64 }, (_, j) => Math.min(255, Math.max(0, Math.round(80 * labels[Math.floor(j / 64)]! + 60 + 20 * rng.normalScalar()))));
      return arrayDataset({ images: pixels, labels, height: 8, width: 8, channels: 1 });
    };
    const b = backbone();
    const extractor = transformerFeatureExtractor(b);
    const r = await probeSweep(extractor, { train: make(40), test: make(20), control: extractor, poolings: ['mean', 'concat'], attentions: ['causal'], batchSize: 20 });
    expect(r.cells).toHaveLength(6);
    for (const c of r.cells) {
      expect(c.control).toBeDefined();
      expect(c.control!.valTop1).toBe(c.valTop1);
      expect(c.control!.testTop1).toBe(c.testTop1);
    }
    expect(r.bestControl).toMatchObject({ layer: r.best.layer, pooling: r.best.pooling, testTop1: r.best.testTop1 });
    expect(formatProbeSweep(r)).toContain('| control val % | control test % | gain (test) |');
    disposeTree(b.transformer as unknown as TensorTree);
    disposeTree(b.embedding as unknown as TensorTree);
  });
});
