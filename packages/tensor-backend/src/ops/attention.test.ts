import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../backend.js';
import { Rng } from '../random.js';
import { ShapeError } from '../shapes.js';
import { expectNoLeak } from '../testing/no-leak.js';
import { evaluateOn, maxRelDiff, randomArgs } from '../kernels/test-helpers.js';
import { fusedAttention, hasFusedAttentionKernel } from './attention.js';

/**
 * [N (batch·heads), L queries, S keys, dh, causal]. S > L is attention with S − L cached tokens. The sizes straddle
 * the kernel's 16-key vectors and 16-row query blocks; dh = 3 is odd; N = 0 is an empty batch.
 */
const CASES: [number, number, number, number, boolean][] = [
  [1, 1, 1, 3, true],
  [1, 1, 1, 3, false],
  [4, 5, 5, 8, true],
  [4, 5, 5, 8, false],
  [6, 50, 50, 32, true], // the reference model's attention (per block: N = 64·4)
  [3, 50, 50, 3, false],
  [4, 1, 20, 32, true], // one generated token with 19 cached
  [2, 7, 12, 3, true], // 7 new tokens after 5 cached
  [2, 70, 70, 16, true], // more than one key tile: the running max and sum are rescaled
  [3, 4, 130, 8, false],
  [2, 9, 140, 5, true],
  [2, 33, 33, 20, false], // dh not a multiple of the kernel's 16-lane vectors
];

const EPS = 2 ** -23;

describe('fusedAttention', () => {
  let seed = 1;
  for (const [N, L, S, dh, causal] of CASES) {
    it(`native kernel matches cpu's composite for N=${N} L=${L} S=${S} dh=${dh} ${causal ? 'causal' : 'full'}, forward and dq, dk, dv`, async () => {
      const args = randomArgs(new Rng(seed++), [[N, L, dh], [N, S, dh], [N, S, dh]]);
      const fn = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor): tf.Tensor => fusedAttention(q as tf.Tensor3D, k as tf.Tensor3D, v as tf.Tensor3D, { causal });
      const ref = await evaluateOn('cpu', fn, args, seed);
      expect(hasFusedAttentionKernel()).toBe(false);
      const got = await evaluateOn('native', fn, args, seed);
      expect(hasFusedAttentionKernel()).toBe(true);
      expect(got.outShape).toEqual([N, L, dh]);
      expect(got.outShape).toEqual(ref.outShape);
      // Outputs and gradients are sums of up to max(L, S, dh) float32 terms of size ~1, added in different orders:
      // the rounding differences stay within a few eps times the square root of the term count (measured: ≤ 6 eps).
      const tol = 8 * EPS * Math.sqrt(Math.max(L, S, dh));
      expect(maxRelDiff(got.out, ref.out)).toBeLessThan(tol);
      expect(got.grads).toHaveLength(3);
      for (let i = 0; i < 3; i++) expect(maxRelDiff(got.grads[i]!, ref.grads[i]!)).toBeLessThan(tol);
    });
  }

  it('equals softmax attention written out by hand (independent of the composite path) on cpu and native', async () => {
    // One query over three keys, dh = 1: weights softmax([q·k_j · scale]) and the output their mix of v.
    const q = [2];
    const k = [1, -1, 0.5];
    const v = [10, 20, 30];
    const scale = 0.7;
    const e = k.map((kj) => Math.exp(q[0]! * kj * scale));
    const z = e.reduce((a, b) => a + b, 0);
    const expected = e.reduce((a, w, j) => a + (w / z) * v[j]!, 0);
    for (const backend of ['cpu', 'native'] as const) {
      await useBackend(backend);
      const out = tf.tidy(() => fusedAttention(tf.tensor3d(q, [1, 1, 1]), tf.tensor3d(k, [1, 3, 1]), tf.tensor3d(v, [1, 3, 1]), { scale, causal: true }).dataSync());
      expect(out[0]).toBeCloseTo(expected, 4);
    }
  });

  it('masks future keys when causal: the first query sees only the first key', async () => {
    for (const backend of ['cpu', 'native'] as const) {
      await useBackend(backend);
      const out = tf.tidy(() => {
        const q = tf.ones([1, 3, 2]) as tf.Tensor3D;
        const v = tf.tensor3d([1, 1, 2, 2, 3, 3], [1, 3, 2]);
        return fusedAttention(q, q, v, { causal: true }).dataSync();
      });
      expect(Array.from(out.slice(0, 2))).toEqual([1, 1]);
      expect(out[4]).toBeCloseTo(2, 5); // equal scores: the mean of 1, 2, 3
    }
  });

  it('gives the same gradients under tf.variableGrads as the trainer uses it', async () => {
    const args = randomArgs(new Rng(77), [[8, 6, 4], [8, 6, 4], [8, 6, 4]]);
    const run = async (backend: 'cpu' | 'native'): Promise<Float32Array[]> => {
      await useBackend(backend);
      return tf.tidy(() => {
        const vars = args.map((a, i) => tf.variable(tf.tensor(a.data, a.shape), true, `attn-${backend}-${i}`));
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(fusedAttention(vars[0] as never, vars[1] as never, vars[2] as never, { causal: true }))));
        const out = [value, ...vars.map((x) => grads[x.name]!)].map((t) => Float32Array.from(t.dataSync()));
        vars.forEach((x) => x.dispose());
        return out;
      });
    };
    const ref = await run('cpu');
    const got = await run('native');
    for (let i = 0; i < ref.length; i++) expect(maxRelDiff(got[i]!, ref[i]!)).toBeLessThan(1e-5);
  });

  it('handles an empty batch and zero queries', async () => {
    for (const backend of ['cpu', 'native'] as const) {
      await useBackend(backend);
      expect(tf.tidy(() => fusedAttention(tf.zeros([0, 4, 3]), tf.zeros([0, 4, 3]), tf.zeros([0, 4, 3]), { causal: true }).shape)).toEqual([0, 4, 3]);
      const g = tf.tidy(() => tf.grads((q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => fusedAttention(q as never, k as never, v as never))([tf.zeros([0, 4, 3]), tf.zeros([0, 5, 3]), tf.zeros([0, 5, 3])]).map((t) => t.shape));
      expect(g).toEqual([[0, 4, 3], [0, 5, 3], [0, 5, 3]]);
      expect(tf.tidy(() => fusedAttention(tf.zeros([2, 0, 3]), tf.zeros([2, 5, 3]), tf.zeros([2, 5, 3]), { causal: true }).shape)).toEqual([2, 0, 3]);
    }
  });

  it('rejects mismatched shapes and causal attention with fewer keys than queries', async () => {
    await useBackend('cpu');
    expect(() => fusedAttention(tf.zeros([2, 4, 3]), tf.zeros([2, 4, 5]), tf.zeros([2, 4, 5]))).toThrow(ShapeError);
    expect(() => fusedAttention(tf.zeros([2, 4, 3]), tf.zeros([2, 4, 3]), tf.zeros([2, 6, 3]))).toThrow(ShapeError);
    expect(() => fusedAttention(tf.zeros([2, 4, 3]), tf.zeros([2, 3, 3]), tf.zeros([2, 3, 3]), { causal: true })).toThrow(/at least as many keys/);
    expect(() => fusedAttention(tf.zeros([2, 4, 3]), tf.zeros([2, 0, 3]), tf.zeros([2, 0, 3]))).toThrow(/no keys/);
  });

  it('is removed with the native backend: plain wasm runs the composite path again', async () => {
    await useBackend('native');
    expect(hasFusedAttentionKernel()).toBe(true);
    const wasm = await useBackend('wasm');
    expect(hasFusedAttentionKernel()).toBe(false);
    expect(wasm.kernelOverrides.some((n) => n.startsWith('fused attention'))).toBe(false);
    const native = await useBackend('native', { kernelOverrides: false });
    expect(native.kernelOverrides.some((n) => n.startsWith('fused attention'))).toBe(false);
    expect(hasFusedAttentionKernel()).toBe(false);
  });

  for (const backend of ['cpu', 'native'] as const) {
    it(`leaks no tensors forward or backward on ${backend}`, async () => {
      await useBackend(backend);
      const [q0, k0] = [tf.ones([2, 3, 4]), tf.ones([2, 5, 4])];
      await expectNoLeak(() => fusedAttention(q0 as tf.Tensor3D, k0 as tf.Tensor3D, k0 as tf.Tensor3D, { causal: true }), 'fusedAttention');
      tf.dispose([q0, k0]);
      await expectNoLeak(() => {
        const q = tf.ones([2, 3, 4]);
        const k = tf.ones([2, 5, 4]);
        const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => fusedAttention(a as never, b as never, b as never, { causal: true }))([q, k]);
        q.dispose();
        k.dispose();
        return grads;
      }, 'fusedAttention gradients');
    });
  }
});
