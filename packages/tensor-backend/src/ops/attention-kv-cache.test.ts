import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../backend.js';
import { Rng } from '../random.js';
import { expectNoLeak } from '../testing/no-leak.js';
import { maxRelDiff, rotaryTableValues } from '../kernels/test-helpers.js';
import { KV_CACHE_ATTENTION, KV_CACHE_ATTENTION_LAYER } from './attention-kernels.js';
import { kvCacheAttention } from './attention-kv-cache.js';
import { kvCacheAttentionLayer } from './attention-kv-cache-layer.js';
import { qkvAttention } from './attention-qkv.js';

/** [B, T cached, L new, heads, dh, RoPE sections (0: none)]. */
const CASES: [number, number, number, number, number, 0 | 1 | 2][] = [
  [1, 0, 1, 4, 8, 2], // the first generated token
  [1, 5, 1, 4, 8, 2], // a later one
  [2, 7, 3, 3, 3, 0], // a chunk of 3 new tokens, odd dh
  [3, 12, 2, 2, 4, 1],
  [1, 49, 1, 4, 32, 2], // the reference model's last token
];

const EPS = 2 ** -23;

/** Output, keys and values of kvCacheAttention on `backend` from the same values. */
async function run(backend: 'cpu' | 'native', B: number, T: number, L: number, H: number, dh: number, sections: 0 | 1 | 2, seed: number): Promise<Float32Array[]> {
  await useBackend(backend);
  const rng = new Rng(seed);
  const qkvData = rng.normalArray(B * L * 3 * H * dh);
  const pk = rng.normalArray(B * H * T * dh);
  const pv = rng.normalArray(B * H * T * dh);
  const t = rotaryTableValues(L, dh, sections || 1, seed);
  return tf.tidy(() => {
    const past = T > 0 ? { keys: tf.tensor3d(pk, [B * H, T, dh]), values: tf.tensor3d(pv, [B * H, T, dh]) } : undefined;
    const rope = sections ? { cos: tf.tensor2d(t.cos, [L, dh]), sin: tf.tensor2d(t.sin, [L, dh]), swap: tf.tensor2d(t.swap, [dh, dh]), sections } : undefined;
    const r = kvCacheAttention(tf.tensor3d(qkvData, [B, L, 3 * H * dh]), { heads: H, ...(past ? { past } : {}), ...(rope ? { rope } : {}) });
    expect(r.output.shape).toEqual([B, L, H * dh]);
    expect(r.keys.shape).toEqual([B * H, T + L, dh]);
    return [r.output, r.keys, r.values].map((x) => Float32Array.from(x.dataSync()));
  });
}

describe('kvCacheAttention', () => {
  let seed = 300;
  for (const [B, T, L, H, dh, sections] of CASES) {
    it(`native kernel matches cpu's composite for B=${B} T=${T} L=${L} heads=${H} dh=${dh} ${sections ? `RoPE ${sections}-D` : 'no RoPE'}: output, keys, values`, async () => {
      const s = seed++;
      const ref = await run('cpu', B, T, L, H, dh, sections, s);
      const got = await run('native', B, T, L, H, dh, sections, s);
      expect(tf.getKernel(KV_CACHE_ATTENTION, tf.getBackend())).toBeDefined();
      const tol = 8 * EPS * Math.sqrt(Math.max(T + L, dh)) + 4 * EPS;
      for (let i = 0; i < 3; i++) expect(maxRelDiff(got[i]!, ref[i]!)).toBeLessThan(tol);
    });
  }

  it('without a cache equals causal qkvAttention, and feeding tokens one by one equals one pass', async () => {
    for (const backend of ['cpu', 'native'] as const) {
      await useBackend(backend);
      const [B, L, H, dh] = [2, 5, 2, 4];
      const x = tf.tensor3d(new Rng(9).normalArray(B * L * 3 * H * dh), [B, L, 3 * H * dh]);
      const full = tf.tidy(() => qkvAttention(x, { heads: H, causal: true }).dataSync() as Float32Array);
      const steps: Float32Array[] = [];
      let past: { keys: tf.Tensor3D; values: tf.Tensor3D } | undefined;
      for (let t = 0; t < L; t++) {
        const xt = tf.slice(x, [0, t, 0], [B, 1, 3 * H * dh]);
        const r = kvCacheAttention(xt, { heads: H, ...(past ? { past } : {}) });
        steps.push(Float32Array.from(r.output.dataSync()));
        if (past) tf.dispose([past.keys, past.values]);
        past = { keys: r.keys, values: r.values };
        tf.dispose([xt, r.output]);
      }
      tf.dispose([past!.keys, past!.values, x]);
      const D = H * dh;
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < L; t++) {
          const want = full.subarray((b * L + t) * D, (b * L + t + 1) * D);
          expect(maxRelDiff(steps[t]!.subarray(b * D, (b + 1) * D), want)).toBeLessThan(16 * EPS);
        }
      }
    }
  });

  it('is differentiable through the composite path while gradients are recorded (native too)', async () => {
    const grads: Float32Array[] = [];
    for (const backend of ['cpu', 'native'] as const) {
      await useBackend(backend);
      const x = tf.tensor3d(new Rng(4).normalArray(1 * 3 * 12), [1, 3, 12]);
      const past = { keys: tf.tensor3d(new Rng(5).normalArray(2 * 4 * 2), [2, 4, 2]), values: tf.tensor3d(new Rng(6).normalArray(2 * 4 * 2), [2, 4, 2]) };
      const g = tf.grad((y: tf.Tensor) => kvCacheAttention(y as tf.Tensor3D, { heads: 2, past }).output)(x);
      grads.push(Float32Array.from(g.dataSync()));
      tf.dispose([x, g, past.keys, past.values]);
    }
    expect(maxRelDiff(grads[1]!, grads[0]!)).toBeLessThan(16 * EPS);
  });

  for (const backend of ['cpu', 'native'] as const) {
    it(`leaks no tensors on ${backend}`, async () => {
      await useBackend(backend);
      const x = tf.ones([1, 2, 24]);
      const past = { keys: tf.ones([4, 3, 2]), values: tf.ones([4, 3, 2]) };
      await expectNoLeak(() => kvCacheAttention(x as tf.Tensor3D, { heads: 4, past: past as never }) as never, 'kvCacheAttention');
      tf.dispose([x, past.keys, past.values]);
    });
  }
});

/** Output, keys and values of kvCacheAttentionLayer on `backend` from the same values. */
async function runLayer(backend: 'cpu' | 'native', B: number, T: number, L: number, H: number, dh: number, sections: 0 | 1 | 2, seed: number): Promise<Float32Array[]> {
  await useBackend(backend);
  const D = H * dh;
  const rng = new Rng(seed);
  const [xs, wqkv, bqkv, wo, bo, pk, pv] = [B * L * D, D * 3 * D, 3 * D, D * D, D, B * H * T * dh, B * H * T * dh].map((n) => rng.normalArray(n));
  const t = rotaryTableValues(L, dh, sections || 1, seed);
  return tf.tidy(() => {
    const past = T > 0 ? { keys: tf.tensor3d(pk!, [B * H, T, dh]), values: tf.tensor3d(pv!, [B * H, T, dh]) } : undefined;
    const rope = sections ? { cos: tf.tensor2d(t.cos, [L, dh]), sin: tf.tensor2d(t.sin, [L, dh]), swap: tf.tensor2d(t.swap, [dh, dh]), sections } : undefined;
    const weights = { wqkv: tf.tensor2d(wqkv!, [D, 3 * D]), bqkv: tf.tensor1d(bqkv!), wo: tf.tensor2d(wo!, [D, D]), bo: tf.tensor1d(bo!) };
    const r = kvCacheAttentionLayer(tf.tensor3d(xs!, [B, L, D]), weights, { heads: H, ...(past ? { past } : {}), ...(rope ? { rope } : {}) });
    expect(r.output.shape).toEqual([B, L, D]);
    return [r.output, r.keys, r.values].map((x) => Float32Array.from(x.dataSync()));
  });
}

describe('kvCacheAttentionLayer', () => {
  let seed = 400;
  for (const [B, T, L, H, dh, sections] of CASES) {
    it(`native kernel matches cpu's composite for B=${B} T=${T} L=${L} heads=${H} dh=${dh} ${sections ? `RoPE ${sections}-D` : 'no RoPE'}: output, keys, values`, async () => {
      const s = seed++;
      const ref = await runLayer('cpu', B, T, L, H, dh, sections, s);
      const got = await runLayer('native', B, T, L, H, dh, sections, s);
      expect(tf.getKernel(KV_CACHE_ATTENTION_LAYER, tf.getBackend())).toBeDefined();
      // The projections add sums of D = H·dh products of N(0, 1) values (size ~√D) in different orders.
      const D = H * dh;
      const tol = 16 * EPS * D;
      for (let i = 0; i < 3; i++) expect(maxRelDiff(got[i]!, ref[i]!)).toBeLessThan(tol);
    });
  }

  for (const backend of ['cpu', 'native'] as const) {
    it(`leaks no tensors on ${backend}`, async () => {
      await useBackend(backend);
      const x = tf.ones([1, 2, 8]);
      const w = { wqkv: tf.ones([8, 24]), bqkv: tf.ones([24]), wo: tf.ones([8, 8]), bo: tf.ones([8]) };
      const past = { keys: tf.ones([4, 3, 2]), values: tf.ones([4, 3, 2]) };
      await expectNoLeak(() => kvCacheAttentionLayer(x as tf.Tensor3D, w, { heads: 4, past: past as never }) as never, 'kvCacheAttentionLayer');
      tf.dispose([x, past.keys, past.values, ...Object.values(w)]);
    });
  }
});
