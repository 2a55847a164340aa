// The transformer on the native backend runs darl's fused attention kernels — the qkv kernels in a training step
// (forward and backward), the KV-cache layer kernel in incremental decoding — and gives cpu's numbers.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { flattenTree, Rng, useBackend } from '@darl/tensor-backend';
import { transformerConfig, type PositionEncoding } from './config.js';
import { applyTransformer, initTransformer, type TransformerParams } from './transformer.js';
import { createKVCache, disposeKVCache } from './kv-cache.js';
import { rasterPositions } from './positions.js';

const config = (position: PositionEncoding) => transformerConfig({ preset: 'tiny', position, heads: 2, maxTokens: 16 });

/** Loss, gradients of every weight, and the kernels that ran, for one training step on `backend`. */
async function trainingStep(backend: 'cpu' | 'native', position: PositionEncoding, attention: 'causal' | 'full') {
  await useBackend(backend);
  const c = config(position);
  const params = initTransformer(c, { seed: 2 });
  const vars = flattenTree(params as never).map(([, v]) => v as tf.Variable);
  const tokens = new Rng(3).normal([3, 6, c.width]) as tf.Tensor3D;
  const probe = new Rng(4).normal([3, 6, c.width]);
  let loss = 0;
  let grads: Float32Array[] = [];
  const profile = await tf.profile(() => {
    const r = tf.variableGrads(() => tf.sum(tf.mul(applyTransformer(params as TransformerParams<tf.Tensor>, c, tokens, { positions: rasterPositions(2, 3), attention }).output, probe)), vars);
    loss = r.value.dataSync()[0]!;
    grads = vars.map((v) => Float32Array.from(r.grads[v.name]!.dataSync()));
    r.value.dispose();
    tf.dispose(r.grads);
  });
  tf.dispose([tokens, probe, ...vars]);
  return { loss, grads, kernels: new Set(profile.kernelNames) };
}

describe('fused attention in the transformer (native vs cpu)', () => {
  for (const position of ['rope2d', 'rope1d', 'learned'] as PositionEncoding[]) {
    for (const attention of ['causal', 'full'] as const) {
      it(`${position} / ${attention}: a training step runs the fused qkv kernels and gives cpu's loss and gradients`, async () => {
        const ref = await trainingStep('cpu', position, attention);
        const got = await trainingStep('native', position, attention);
        expect(got.kernels.has('DarlQkvAttention') && got.kernels.has('DarlQkvAttentionGrad')).toBe(true);
        expect(ref.kernels.has('DarlQkvAttention')).toBe(false);
        expect(Math.abs(got.loss - ref.loss)).toBeLessThan(1e-5 * Math.max(1, Math.abs(ref.loss)));
        got.grads.forEach((g, i) => {
          const r = ref.grads[i]!;
          const scale = r.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
          const diff = g.reduce((m, x, j) => Math.max(m, Math.abs(x - r[j]!)), 0);
          expect(diff).toBeLessThanOrEqual(1e-4 * scale + 1e-7);
        });
      });
    }
  }

  it('decoding token by token with a KV cache runs the layer kernel and equals the full causal pass', async () => {
    const outputs: Float32Array[][] = [];
    for (const backend of ['cpu', 'native'] as const) {
      await useBackend(backend);
      const c = config('rope2d');
      const params = initTransformer(c, { seed: 5 }) as TransformerParams<tf.Tensor>;
      const tokens = new Rng(6).normal([2, 6, c.width]) as tf.Tensor3D;
      const positions = rasterPositions(2, 3);
      const full = applyTransformer(params, c, tokens, { positions });
      const cache = createKVCache(c, 2);
      const steps: tf.Tensor[] = [];
      const profile = await tf.profile(() => {
        for (let t = 0; t < 6; t++) {
          const x = tf.slice(tokens, [0, t, 0], [2, 1, c.width]);
          const at = { rows: positions.rows.subarray(t, t + 1), cols: positions.cols.subarray(t, t + 1) };
          steps.push(applyTransformer(params, c, x, { positions: at, cache }).output);
          x.dispose();
        }
      });
      expect(profile.kernelNames.includes('DarlKvCacheAttentionLayer')).toBe(backend === 'native');
      const stepped = tf.concat(steps, 1);
      outputs.push([Float32Array.from(full.output.dataSync()), Float32Array.from(stepped.dataSync())]);
      tf.dispose([tokens, full.output, stepped, ...steps]);
      disposeKVCache(cache);
      tf.dispose(flattenTree(params as never).map(([, v]) => v as tf.Tensor));
    }
    const [cpu, native] = outputs as [Float32Array[], Float32Array[]];
    const close = (a: Float32Array, b: Float32Array) => a.every((x, i) => Math.abs(x - b[i]!) <= 1e-5 * Math.max(1, Math.abs(b[i]!)));
    expect(close(native[1]!, native[0]!)).toBe(true); // cached = full on native
    expect(close(native[1]!, cpu[1]!)).toBe(true); // native = cpu
  });
});
