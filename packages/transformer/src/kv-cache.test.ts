import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { disposeTree, Rng } from '@darl/tensor-backend';
import { describeBackends, maxAbsDiff } from '@darl/tensor-backend/testing';
import { transformerConfig, type PositionEncoding } from './config.js';
import { applyTransformer, initTransformer, type TransformerParams } from './transformer.js';
import { createKVCache, disposeKVCache } from './kv-cache.js';
import { rasterPositions, slicePositions } from './positions.js';

const ENCODINGS: PositionEncoding[] = ['rope2d', 'rope1d', 'learned', 'sincos2d', 'none'];

describeBackends('KV cache', (ctx) => {
  const B = 2;
  const positions = rasterPositions(1, 7); // L = 7
  const L = positions.rows.length;

  for (const position of ENCODINGS) {
    const config = transformerConfig({ preset: 'tiny', position, maxTokens: 16 });
    let params: TransformerParams;
    let tokens: tf.Tensor3D;
    beforeAll(() => {
      params = initTransformer(config, { seed: 7 });
      tokens = new Rng(3).normal([B, L, config.width]) as tf.Tensor3D;
    });
    afterAll(() => {
      disposeTree(params);
      tokens.dispose();
    });

    it(`${position}: token-by-token and chunked decoding equal one full causal pass`, () => {
      const full = applyTransformer(params, config, tokens, { positions, attention: 'causal' }).output;
      for (const chunks of [[1, 1, 1, 1, 1, 1, 1], [3, 1, 3], [2, 5]]) {
        const cache = createKVCache(config, B);
        const outs: tf.Tensor[] = [];
        let start = 0;
        for (const size of chunks) {
          const part = tf.slice(tokens, [0, start, 0], [B, size, config.width]) as tf.Tensor3D;
          outs.push(applyTransformer(params, config, part, { positions: slicePositions(positions, start, start + size), cache }).output);
          part.dispose();
          start += size;
          expect(cache.length).toBe(start);
          expect(cache.layers[0]!.keys!.shape).toEqual([B * config.heads, start, config.width / config.heads]);
        }
        const incremental = tf.concat(outs, 1);
        expect(maxAbsDiff(incremental, full), `${position} chunks ${chunks.join('+')}`).toBeLessThan(ctx.tol(0.1));
        tf.dispose([incremental, ...outs]);
        disposeKVCache(cache);
        expect(cache.length).toBe(0);
        expect(cache.layers[0]!.keys).toBeNull();
      }
      // The incremental path is not trivially equal to a full-attention pass.
      const fullAttn = applyTransformer(params, config, tokens, { positions, attention: 'full' }).output;
      expect(maxAbsDiff(fullAttn, full)).toBeGreaterThan(1e-3);
      tf.dispose([full, fullAttn]);
    });
  }

  it('rejects full attention, a wrong batch, another config and positions beyond maxTokens', () => {
    const config = transformerConfig({ preset: 'tiny', position: 'learned', maxTokens: 4 });
    const params = initTransformer(config, { seed: 1 });
    const x = tf.zeros([B, 3, config.width]) as tf.Tensor3D;
    const cache = createKVCache(config, B);
    expect(() => applyTransformer(params, config, x, { cache, attention: 'full' })).toThrow(/KV cache needs causal attention/);
    expect(() => applyTransformer(params, config, x, { cache: createKVCache(config, 3) })).toThrow(/batch B=2 .* created for batch 3/);
    const other = transformerConfig({ preset: 'tiny', depth: 3 });
    expect(() => applyTransformer(params, config, x, { cache: createKVCache(other, B) })).toThrow(/"cache" was created for width 32, 2 heads, depth 3/);
    applyTransformer(params, config, x, { cache }).output.dispose();
    expect(() => applyTransformer(params, config, x, { cache })).toThrow(/positions 3…5 exceed config.maxTokens 4/);
    expect(() => createKVCache(config, 0)).toThrow(/"batch" must be a positive integer/);
    disposeKVCache(cache);
    disposeTree(params);
    x.dispose();
  });
});
