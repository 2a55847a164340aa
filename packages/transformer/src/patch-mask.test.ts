import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { Rng, ShapeError } from '@darl/tensor-backend';
import { describeBackends, expectAllClose, expectNoLeak } from '@darl/tensor-backend/testing';
import { gatherVisible, insertMaskTokens, patchMaskWeights, randomPatchMask } from './patch-mask.js';

it('masks round(ratio·L) patches per sequence, disjoint from the visible ones, the same for the same seed', () => {
  const mask = randomPatchMask(3, 10, { ratio: 0.75, rng: new Rng(5) });
  expect(mask.visibleCount).toBe(2); // 10 − round(7.5) = 2
  for (let b = 0; b < 3; b++) {
    const v = Array.from(mask.visible.subarray(b * 2, b * 2 + 2));
    const m = Array.from(mask.masked.subarray(b * 8, b * 8 + 8));
    expect([...v, ...m].sort((x, y) => x - y)).toEqual([...Array(10).keys()]);
    expect(v).toEqual([...v].sort((x, y) => x - y));
  }
  expect(randomPatchMask(3, 10, { ratio: 0.75, rng: new Rng(5) })).toEqual(mask);
  expect(randomPatchMask(3, 10, { ratio: 0.75, rng: new Rng(6) }).visible).not.toEqual(mask.visible);
  // Uniform: over many draws every patch is masked about 75 % of the time.
  const counts = new Array<number>(10).fill(0);
  const many = randomPatchMask(2000, 10, { ratio: 0.7, rng: new Rng(1) });
  for (const i of many.masked) counts[i]!++;
  for (const c of counts) expect(Math.abs(c / 2000 - 0.7)).toBeLessThan(0.04);
  expect(() => randomPatchMask(2, 4, { ratio: 1, rng: new Rng(0) })).toThrow(ShapeError);
  expect(() => randomPatchMask(2, 4, { ratio: -0.1, rng: new Rng(0) })).toThrow(/ratio must be in \[0, 1\)/);
});

describeBackends('patch masks', (ctx) => {
  const [B, L, C] = [2, 5, 3];
  const mask = randomPatchMask(B, L, { ratio: 0.4, rng: new Rng(2) }); // M = round(0.4·5) = 2 masked, K = 3 visible

  it('gathers the visible tokens and inserts mask tokens exactly where patches are masked', async () => {
    const x = new Rng(1).normal([B, L, C]) as tf.Tensor3D;
    const token = tf.tensor3d([[[7, 8, 9]]]);
    const xs = await x.array();
    const visible = gatherVisible(x, mask);
    const refVisible = xs.map((seq, b) => Array.from(mask.visible.subarray(b * 3, b * 3 + 3), (i) => seq[i]!));
    expectAllClose(await visible.data(), refVisible.flat(2), 0);
    const restored = insertMaskTokens(visible, token, mask);
    const weightTensor = patchMaskWeights(mask);
    const weights = await weightTensor.array();
    weightTensor.dispose();
    const refRestored = xs.map((seq, b) => seq.map((v, l) => (weights[b]![l] === 1 ? [7, 8, 9] : v)));
    expectAllClose(await restored.data(), refRestored.flat(2), ctx.tol(0.01));
    expect(weights.flat().reduce((s, w) => s + w, 0)).toBe(B * 2);
    expect(() => gatherVisible(tf.zeros([B, L + 1, C]) as tf.Tensor3D, mask)).toThrow(ShapeError);
    expect(() => insertMaskTokens(visible, tf.zeros([1, 1, C + 1]), mask)).toThrow(/"maskToken" must have shape \[1, 1, C=3\]/);
    tf.dispose([x, token, visible, restored]);
  });

  it('passes gradients to the visible tokens and to the mask token (one per masked position)', async () => {
    const visible = new Rng(3).normal([B, 3, C]) as tf.Tensor3D;
    const token = tf.zeros([1, 1, C]);
    const [gv, gt] = tf.grads((v: tf.Tensor, t: tf.Tensor) => tf.sum(insertMaskTokens(v as tf.Tensor3D, t, mask)))([visible, token]);
    expectAllClose(await gv!.data(), new Array<number>(B * 3 * C).fill(1), ctx.tol(0.01));
    expectAllClose(await gt!.data(), [B * 2, B * 2, B * 2], ctx.tol(0.01));
    tf.dispose([visible, token, gv!, gt!]);
  });

  it('leaks nothing', async () => {
    const x = new Rng(1).normal([B, L, C]) as tf.Tensor3D;
    const token = tf.zeros([1, 1, C]);
    await expectNoLeak(() => gatherVisible(x, mask), 'gatherVisible');
    await expectNoLeak(() => patchMaskWeights(mask), 'patchMaskWeights');
    await expectNoLeak(() => tf.tidy(() => insertMaskTokens(gatherVisible(x, mask), token, mask)), 'insertMaskTokens');
    await expectNoLeak(() => tf.grad((t: tf.Tensor) => tf.sum(insertMaskTokens(gatherVisible(x, mask), t, mask)))(token), 'its gradient');
    tf.dispose([x, token]);
  });
});
