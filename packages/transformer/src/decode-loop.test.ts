import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { disposeTree, Rng, ShapeError } from '@darl/tensor-backend';
import { describeBackends, expectNoLeak, maxAbsDiff } from '@darl/tensor-backend/testing';
import { autoregressiveInputs } from './autoregressive-inputs.js';
import { transformerConfig } from './config.js';
import { decodeLoop, decodeStep, type CachedForward } from './decode-loop.js';
import { createKVCache, disposeKVCache } from './kv-cache.js';
import { applyLinear, initLinear, type LinearParams } from './linear.js';
import { rasterPositions } from './positions.js';
import { applyTransformer, initTransformer, type TransformerParams } from './transformer.js';

// A tiny autoregressive model over D-dim elements: embed D → C, transformer, head C → D.
const [N, L, D] = [2, 6, 3];
const config = transformerConfig({ preset: 'tiny', position: 'rope2d', maxTokens: L });
const positions = rasterPositions(2, 3);

describeBackends('decodeLoop', (ctx) => {
  let params: TransformerParams;
  let embed: LinearParams;
  let head: LinearParams;
  let sos: tf.Tensor;
  beforeAll(() => {
    params = initTransformer(config, { seed: 1 });
    embed = initLinear(D, config.width, { seed: 2 });
    head = initLinear(config.width, D, { seed: 3 });
    sos = new Rng(4).normal([1, 1, config.width]);
  });
  afterAll(() => disposeTree([params, embed, head, sos]));

  /** Decodes L − k elements after a prefix of k given ones, with a fresh cache. */
  function decode(prefix: tf.Tensor3D, k: number): tf.Tensor2D[] {
    const cache = createKVCache(config, N);
    const forward: CachedForward = (tokens, p) => applyTransformer(params, config, tokens, { positions: p, attention: 'causal', cache }).output;
    const prompt = autoregressiveInputs(prefix, sos, { embed, dropLast: false }); // [N, k + 1, C]
    try {
      return decodeLoop({
        prompt,
        positions,
        steps: L - k,
        forward,
        predict: (condition) => applyLinear(head, condition),
        embed: (x) => applyLinear(embed, x),
      });
    } finally {
      prompt.dispose();
      disposeKVCache(cache);
    }
  }

  it('equals a full causal pass over its own outputs (the KV-cache identity), with and without a prefix', async () => {
    const given = new Rng(5).normal([N, 2, D]) as tf.Tensor3D;
    for (const k of [0, 2]) {
      const prefix = tf.slice(given, [0, 0, 0], [N, k, D]) as tf.Tensor3D;
      const outs = decode(prefix, k);
      expect(outs).toHaveLength(L - k);
      expect(outs[0]!.shape).toEqual([N, D]);
      // Teacher forcing on [prefix, outputs]: the prediction at every position t ≥ k must be output t − k.
      const reference = tf.tidy(() => {
        const sequence = tf.concat([prefix, tf.stack(outs, 1)], 1) as tf.Tensor3D; // [N, L, D]
        const tokens = autoregressiveInputs(sequence, sos, { embed }); // [N, L, C]
        const out = applyTransformer(params, config, tokens, { positions, attention: 'causal' }).output;
        return tf.slice(applyLinear(head, out), [0, k, 0], [N, L - k, D]);
      });
      const decoded = tf.stack(outs, 1);
      expect(maxAbsDiff(await decoded.data(), await reference.data()), `prefix ${k}`).toBeLessThan(ctx.tol(0.1));
      tf.dispose([prefix, reference, decoded, ...outs]);
    }
    given.dispose();
  });

  it('runs nothing for 0 steps, checks its positions, and leaks nothing', async () => {
    const calls: number[] = [];
    const one = tf.zeros([N, 1, 4]) as tf.Tensor3D;
    const none = decodeLoop({
      prompt: one,
      positions,
      steps: 0,
      forward: (t) => (calls.push(1), t),
      predict: (c) => c,
      embed: (x) => x,
    });
    expect([none.length, calls.length]).toEqual([0, 0]);
    one.dispose();
    const prompt = tf.zeros([N, 2, 4]) as tf.Tensor3D;
    expect(() => decodeLoop({ prompt, positions, steps: 6, forward: (t) => t, predict: (c) => c, embed: (x) => x })).toThrow(
      /a prompt of 2 tokens and 6 steps need 7 positions, got 6/,
    );
    expect(() => decodeStep((t) => tf.slice(t, [0, 0, 0], [N, 1, 4]) as tf.Tensor3D, prompt, positions, 0)).toThrow(ShapeError);
    prompt.dispose();
    const empty = tf.zeros([N, 0, D]) as tf.Tensor3D;
    await expectNoLeak(() => decode(empty, 0), 'decodeLoop');
    empty.dispose();
  });
});
