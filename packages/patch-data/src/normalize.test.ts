import * as tf from '@tensorflow/tfjs-core';
import { describe, it, expect } from 'vitest';
import { describeBackends, expectAllClose, expectNoLeak } from '@darl/tensor-backend/testing';
import { datasetMeanStd, denormPix, normPixTargets, pixelsToTensor } from './normalize.js';
import { arrayDataset } from './array-dataset.js';
import { patchify } from './patchify.js';
import { pixelsToPatches } from './pixels-to-patches.js';
import { nestedRasterOrder, orderPatches, randomOrder, rasterOrder } from './patch-order.js';
import { golden } from '../test/golden.js';

describeBackends('pixelsToTensor', (ctx) => {
  const bytes = Uint8Array.from([0, 255, 128, 64, 1, 254]);
  const shape = [1, 1, 2, 3] as const;

  it('scales to [-1, 1] and [0, 1]', () => {
    const a = pixelsToTensor(bytes, shape, { scale: 'minus-one-one' });
    expect(a.shape).toEqual([1, 1, 2, 3]);
    expectAllClose(a, [...bytes].map((b) => (2 * b) / 255 - 1), ctx.tol(), 0, 'minus-one-one');
    const u = pixelsToTensor(bytes, shape, { scale: 'unit' });
    expectAllClose(u, [...bytes].map((b) => b / 255), ctx.tol(), 0, 'unit');
    expect(Math.min(...a.dataSync())).toBe(-1);
    expect(Math.max(...a.dataSync())).toBe(1);
    tf.dispose([a, u]);
  });

  it('standardises per channel with { mean, std } in unit scale', () => {
    const mean = [0.5, 0.25, 0.1];
    const std = [0.5, 0.2, 0.3];
    const t = pixelsToTensor(bytes, shape, { scale: { mean, std } });
    const expected = [...bytes].map((b, i) => (b / 255 - mean[i % 3]!) / std[i % 3]!);
    expectAllClose(t, expected, ctx.tol(), 0, 'mean/std');
    t.dispose();
    expect(() => pixelsToTensor(bytes, shape, { scale: { mean: [0.5], std: 1 } })).toThrow(/scale.mean must be a finite number or 3 finite numbers/);
    expect(() => pixelsToTensor(bytes, shape, { scale: { mean: 0, std: 0 } })).toThrow(/std\[0\] must be > 0/);
    expect(() => pixelsToTensor(bytes, [1, 1, 1, 3], { scale: 'unit' })).toThrow(/holds 6 values but shape \[1, 1, 1, 3\] needs 3/);
  });

  it('does not leak tensors', async () => {
    await expectNoLeak(() => pixelsToTensor(bytes, shape, { scale: 'unit' }), 'pixelsToTensor');
  });
});

describeBackends('normPixTargets / denormPix', (ctx) => {
  const g = golden.normPix;

  it('matches MAE\'s norm-pix targets (PyTorch golden, unbiased variance, eps 1e-6)', () => {
    const x = tf.tensor3d(g.input, g.shape);
    const { targets, mean, std } = normPixTargets(x);
    expect(mean.shape).toEqual([g.shape[0], g.shape[1], 1]);
    expectAllClose(mean, g.mean, ctx.tol(4), 0, 'mean');
    expectAllClose(std, g.std, ctx.tol(4), 1e-4, 'std');
    // The constant patch has std √eps = 1e-3, so its (zero) targets are the only large-magnitude risk.
    expectAllClose(targets, g.targets, ctx.tol(8), 1e-3, 'targets');
    tf.dispose([x, targets, mean, std]);
  });

  it('denormPix inverts normPixTargets', () => {
    const x = tf.tensor3d(g.input, g.shape);
    const { targets, mean, std } = normPixTargets(x, 1e-6);
    const back = denormPix(targets, mean, std);
    expectAllClose(back, x, ctx.tol(16), 0, 'denorm');
    expect(() => denormPix(targets, tf.zeros([2, 4, 1]), std)).toThrow(/denormPix: "mean" must have shape/);
    tf.dispose([x, targets, mean, std, back]);
  });

  it('does not leak tensors', async () => {
    const x = tf.randomUniform([2, 3, 8]);
    await expectNoLeak(() => { const r = normPixTargets(x); return [r.targets, r.mean, r.std]; }, 'normPixTargets');
    const m = tf.zeros([2, 3, 1]);
    const s = tf.ones([2, 3, 1]);
    await expectNoLeak(() => denormPix(x, m, s), 'denormPix');
    tf.dispose([x, m, s]);
  });
});

describe('datasetMeanStd', () => {
  it('computes per-channel mean and std in unit scale', () => {
    const ds = arrayDataset({ images: Uint8Array.from([0, 255, 255, 255, 0, 51, 255, 51]), height: 1, width: 2, channels: 2 });
    const { mean, std } = datasetMeanStd(ds);
    // channel 0: 0, 255, 0, 255 → mean 0.5, std 0.5; channel 1: 255, 255, 51, 51 → mean 0.6, std 0.4
    expect(mean[0]).toBeCloseTo(0.5, 12);
    expect(std[0]).toBeCloseTo(0.5, 12);
    expect(mean[1]).toBeCloseTo(0.6, 12);
    expect(std[1]).toBeCloseTo(0.4, 12);
  });
});

describeBackends('pixelsToPatches', () => {
  it('equals patchify(pixelsToTensor(...)) exactly for several shapes and scales', () => {
    const cases = [
      { shape: [3, 28, 28, 1] as const, p: 4, scale: 'minus-one-one' as const },
      { shape: [2, 8, 12, 3] as const, p: 2, scale: { mean: [0.4, 0.5, 0.6], std: [0.2, 0.25, 0.3] } },
      { shape: [1, 6, 6, 4] as const, p: 3, scale: 'unit' as const },
    ];
    for (const c of cases) {
      const n = c.shape.reduce<number>((a, b) => a * b, 1);
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + 13) % 256);
      const fused = pixelsToPatches(bytes, c.shape, c.p, { scale: c.scale });
      const images = pixelsToTensor(bytes, c.shape, { scale: c.scale });
      const reference = patchify(images, c.p);
      expect(fused.shape).toEqual(reference.shape);
      expectAllClose(fused, reference, 0, 0, `pixelsToPatches ${c.shape.join('x')}`);
      tf.dispose([fused, images, reference]);
    }
    expect(() => pixelsToPatches(new Uint8Array(784), [1, 28, 28, 1], 4, { scale: 'unit', order: rasterOrder(4, 7) })).toThrow(
      /order "raster" is for a 4×7 patch grid, but 28×28 images with patch size 4 make a 7×7 grid/,
    );
    expect(() => pixelsToPatches(new Uint8Array(784), [1, 28, 28, 1], 5, { scale: 'unit' })).toThrow(/dividing the image height and width, got 5 for a 28×28 image/);
  });

  it('emits patches in a given order exactly as orderPatches does', () => {
    const shape = [2, 8, 12, 3] as const;
    const bytes = Uint8Array.from({ length: 2 * 8 * 12 * 3 }, (_, i) => (i * 31 + 5) % 256);
    for (const order of [nestedRasterOrder(4, 6, 2), randomOrder(4, 6, 9)]) {
      const fused = pixelsToPatches(bytes, shape, 2, { scale: 'unit', order });
      const raster = pixelsToPatches(bytes, shape, 2, { scale: 'unit' });
      const reference = orderPatches(raster, order);
      expectAllClose(fused, reference, 0, 0, `ordered ${order.name}`);
      tf.dispose([fused, raster, reference]);
    }
  });

  it('does not leak tensors', async () => {
    await expectNoLeak(() => pixelsToPatches(new Uint8Array(2 * 16), [2, 4, 4, 1], 2, { scale: 'unit' }), 'pixelsToPatches');
  });
});
