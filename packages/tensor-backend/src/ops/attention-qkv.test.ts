import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../backend.js';
import { Rng } from '../random.js';
import { ShapeError } from '../shapes.js';
import { expectNoLeak } from '../testing/no-leak.js';
import { evaluateOn, maxRelDiff, randomArgs, rotaryTables as tables } from '../kernels/test-helpers.js';
import { fusedAttention } from './attention.js';
import { qkvAttention } from './attention-qkv.js';

/** [B, L, heads, dh, causal, RoPE sections (0: none)]. */
const CASES: [number, number, number, number, boolean, 0 | 1 | 2][] = [
  [1, 1, 1, 4, true, 2],
  [2, 5, 3, 3, true, 0], // odd dh, 3 heads
  [2, 5, 3, 2, false, 1],
  [3, 50, 4, 8, true, 2], // the reference model's shape, scaled down in width
  [2, 50, 2, 32, false, 2],
  [1, 70, 1, 4, true, 1], // more than one key tile
  [4, 9, 2, 12, true, 2],
];

const EPS = 2 ** -23;

describe('qkvAttention', () => {
  let seed = 100;
  for (const [B, L, H, dh, causal, sections] of CASES) {
    it(`native kernel matches cpu's composite for B=${B} L=${L} heads=${H} dh=${dh} ${causal ? 'causal' : 'full'} ${sections ? `RoPE ${sections}-D` : 'no RoPE'}, forward and dqkv`, async () => {
      const args = randomArgs(new Rng(seed++), [[B, L, 3 * H * dh]]);
      const s = seed;
      const fn = (qkv: tf.Tensor): tf.Tensor =>
        qkvAttention(qkv as tf.Tensor3D, { heads: H, causal, ...(sections ? { rope: tables(L, dh, sections, s) } : {}) });
      const ref = await evaluateOn('cpu', fn, args, seed);
      const got = await evaluateOn('native', fn, args, seed);
      expect(got.outShape).toEqual([B, L, H * dh]);
      // As for fusedAttention: sums of up to max(L, dh) float32 terms in different orders (RoPE adds two roundings).
      const tol = 8 * EPS * Math.sqrt(Math.max(L, dh)) + 4 * EPS;
      expect(maxRelDiff(got.out, ref.out)).toBeLessThan(tol);
      expect(maxRelDiff(got.grads[0]!, ref.grads[0]!)).toBeLessThan(tol);
    });
  }

  it('equals fusedAttention on heads split by hand, on native', async () => {
    await useBackend('native');
    const [B, L, H, dh] = [2, 6, 3, 4];
    const x = tf.tensor3d(new Rng(5).normalArray(B * L * 3 * H * dh), [B, L, 3 * H * dh]);
    const got = tf.tidy(() => qkvAttention(x, { heads: H, causal: true }).dataSync());
    const want = tf.tidy(() => {
      const parts = tf.split(tf.reshape(x, [B, L, 3, H, dh]), 3, 2).map((p) => tf.reshape(tf.transpose(tf.reshape(p, [B, L, H, dh]), [0, 2, 1, 3]), [B * H, L, dh]) as tf.Tensor3D);
      const o = fusedAttention(parts[0]!, parts[1]!, parts[2]!, { causal: true });
      return tf.transpose(tf.reshape(o, [B, H, L, dh]), [0, 2, 1, 3]).dataSync();
    });
    x.dispose();
    expect(maxRelDiff(got as Float32Array, want as Float32Array)).toBeLessThan(8 * EPS);
  });

  it('handles an empty batch', async () => {
    for (const backend of ['cpu', 'native'] as const) {
      await useBackend(backend);
      const shapes = tf.tidy(() => {
        const x = tf.zeros([0, 4, 12]);
        const y = qkvAttention(x as tf.Tensor3D, { heads: 2, causal: true });
        const g = tf.grad((t: tf.Tensor) => qkvAttention(t as tf.Tensor3D, { heads: 2, causal: true }))(x);
        return [y.shape, g.shape];
      });
      expect(shapes).toEqual([[0, 4, 4], [0, 4, 12]]);
    }
  });

  it('rejects a projection that heads do not divide and tables of the wrong length', async () => {
    await useBackend('cpu');
    expect(() => qkvAttention(tf.zeros([1, 4, 12]), { heads: 5 })).toThrow(ShapeError);
    const t = tables(3, 2, 1, 1);
    expect(() => qkvAttention(tf.zeros([1, 4, 12]), { heads: 2, rope: t })).toThrow(ShapeError);
    tf.dispose([t.cos, t.sin, t.swap]);
  });

  for (const backend of ['cpu', 'native'] as const) {
    it(`leaks no tensors forward or backward on ${backend}`, async () => {
      await useBackend(backend);
      const t = tables(5, 4, 2, 3);
      const x = tf.ones([2, 5, 24]);
      await expectNoLeak(() => qkvAttention(x as tf.Tensor3D, { heads: 2, causal: true, rope: t }), 'qkvAttention');
      await expectNoLeak(() => tf.grad((y: tf.Tensor) => qkvAttention(y as tf.Tensor3D, { heads: 2, rope: t }))(x), 'qkvAttention gradient');
      tf.dispose([x, t.cos, t.sin, t.swap]);
    });
  }
});
