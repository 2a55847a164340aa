import * as tf from '@tensorflow/tfjs-core';
import { it, expect } from 'vitest';
import { describeBackends, expectAllClose, expectNoLeak } from '@darl/tensor-backend/testing';
import { patchify, unpatchify } from './patchify.js';
import { golden } from '../test/golden.js';

describeBackends('patchify', (ctx) => {
  it('matches MAE\'s reshape/einsum patchify (NumPy golden) for several shapes and patch sizes', () => {
    for (const c of golden.patchify) {
      const images = tf.tensor4d(c.images, c.shape, 'float32');
      const patches = patchify(images, c.patchSize);
      expect(patches.shape).toEqual(c.patchesShape);
      expectAllClose(patches, c.patches, 0, 0, `patchify ${c.shape.join('x')} P=${c.patchSize}`);
      tf.dispose([images, patches]);
    }
  });

  it('unpatchify inverts patchify exactly', () => {
    for (const c of golden.patchify) {
      const [, height, width, channels] = c.shape;
      const patches = tf.tensor3d(c.patches, c.patchesShape, 'float32');
      const images = unpatchify(patches, { height, width, channels, patchSize: c.patchSize });
      expect(images.shape).toEqual(c.shape);
      expectAllClose(images, c.images, 0, 0, 'unpatchify');
      tf.dispose([patches, images]);
    }
  });

  it('puts patch (r, c) at index r·w + c with row-major pixels and channels last', () => {
    // Pixel (y, x, ch) of a 1×4×6×2 image holds 100·y + 10·x + ch.
    const vals: number[] = [];
    for (let y = 0; y < 4; y++) for (let x = 0; x < 6; x++) for (let ch = 0; ch < 2; ch++) vals.push(100 * y + 10 * x + ch);
    const p = patchify(tf.tensor4d(vals, [1, 4, 6, 2]), 2);
    const data = p.dataSync();
    // patch 4 = row 1, col 1 (w = 3); element (py=1, px=0, ch=1) is at (1·2 + 0)·2 + 1 = 5 → pixel (3, 2, 1).
    expect(data[4 * 8 + 5]).toBe(100 * 3 + 10 * 2 + 1);
    p.dispose();
  });

  it('has a gradient: d/dx sum(patchify(x) · w) = unpatchify(w)', () => {
    const x = tf.tensor4d(Array.from({ length: 2 * 4 * 4 * 3 }, (_, i) => i / 10), [2, 4, 4, 3]);
    const w = tf.tensor3d(Array.from({ length: 2 * 4 * 12 }, (_, i) => Math.sin(i)), [2, 4, 12]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(patchify(t as tf.Tensor4D, 2), w)))(x);
    const expected = unpatchify(w, { height: 4, width: 4, channels: 3, patchSize: 2 });
    expectAllClose(g, expected, ctx.tol(), 0, 'gradient');
    tf.dispose([x, w, g, expected]);
  });

  it('rejects a patch size that does not divide the image, naming both', () => {
    const x = tf.zeros([1, 28, 28, 1]) as tf.Tensor4D;
    expect(() => patchify(x, 5)).toThrow(/patchify: patchSize 5 must divide the image height and width, got a 28×28 image/);
    expect(() => patchify(x, 0)).toThrow(/positive integer/);
    expect(() => patchify(tf.zeros([28, 28, 1]) as unknown as tf.Tensor4D, 4)).toThrow(/"images" must be of rank 4/);
    const p = tf.zeros([1, 49, 16]) as tf.Tensor3D;
    expect(() => unpatchify(p, { height: 28, width: 28, channels: 3, patchSize: 4 })).toThrow(/must have shape \[B, L=49, D=48\].*got \[1, 49, 16\]/);
    tf.dispose([x, p]);
  });

  it('does not leak tensors', async () => {
    const x = tf.ones([2, 8, 8, 3]) as tf.Tensor4D;
    await expectNoLeak(() => patchify(x, 4), 'patchify');
    const p = tf.ones([2, 4, 48]) as tf.Tensor3D;
    await expectNoLeak(() => unpatchify(p, { height: 8, width: 8, channels: 3, patchSize: 4 }), 'unpatchify');
    tf.dispose([x, p]);
  });
});
