import { expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@darl/tensor-backend';
import { describeBackends, expectAllClose, expectNoLeak } from '@darl/tensor-backend/testing';
import { applyAttentiveProbe, attentiveProbe, initAttentiveProbe, type TokenFeatures } from './attentive-probe.js';
import { featureMatrix } from './feature-matrix.js';
import { linearProbe } from './linear-probe.js';

/**
 * L = 8 tokens of C = 4 channels. One token per image, at a random position, carries a marker (channel 0 = 4) and
 * the class as channel 1 = ±1; every other token has channel 0 ≈ 0 and a random ±1 in channel 1. The mean over
 * tokens is only weakly informative; attending to the marked token gives the class exactly.
 */
function markedTokens(rng: Rng, n: number): TokenFeatures {
  const l = 8;
  const c = 4;
  const data = new Float32Array(n * l * c);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = i % 2;
    labels[i] = y;
    const marked = rng.int(l);
    for (let t = 0; t < l; t++) {
      const o = (i * l + t) * c;
      data[o] = t === marked ? 4 : 0.3 * rng.normalScalar();
      data[o + 1] = t === marked ? 2 * y - 1 : rng.next() < 0.5 ? -1 : 1;
      data[o + 2] = rng.normalScalar();
      data[o + 3] = rng.normalScalar();
    }
  }
  return { features: featureMatrix(data, n, l * c), tokens: l, labels };
}

function meanOverTokens(t: TokenFeatures) {
  const c = t.features.dim / t.tokens;
  const out = new Float32Array(t.features.rows * c);
  for (let i = 0; i < t.features.rows; i++)
    for (let k = 0; k < t.tokens; k++) for (let j = 0; j < c; j++) out[i * c + j]! += t.features.data[(i * t.tokens + k) * c + j]! / t.tokens;
  return { features: featureMatrix(out, t.features.rows, c), labels: t.labels };
}

describeBackends('attentiveProbe', (ctx) => {
  it('finds the informative token that a linear probe on the mean cannot use', async () => {
    const rng = new Rng(21);
    const train = markedTokens(rng, 512);
    const test = markedTokens(rng, 256);
    const linear = await linearProbe(meanOverTokens(train), meanOverTokens(test), 2, { steps: 100 });
    expect(linear.test.top1).toBeLessThan(0.8);
    const r = await attentiveProbe(train, test, 2, { heads: 2, epochs: 15, batchSize: 64, lr: 1e-2 });
    expect(r.test.top1).toBeGreaterThanOrEqual(0.97);
    expect(r.trainLoss[r.trainLoss.length - 1]!).toBeLessThan(r.trainLoss[0]!);
  });

  it('pools with per-head softmax attention (hand-computed case)', async () => {
    // C = 2, H = 2 (head width 1), Wk = Wv = I, query = (1, 0): head 0 attends by x[:, 0], head 1 uniformly.
    const params = initAttentiveProbe(2, 2, { seed: 0 });
    params.wk.assign(tf.eye(2));
    params.wv.assign(tf.eye(2));
    params.query.assign(tf.tensor1d([1, 0]));
    params.head.w.assign(tf.eye(2));
    const tokens = tf.tensor3d([[[0, 1], [Math.log(3), 5]]]); // one image, two tokens
    const a0 = [1 / 4, 3 / 4]; // softmax(0, log 3)
    const pooled = [a0[0]! * 0 + a0[1]! * Math.log(3), (1 + 5) / 2];
    const mu = (pooled[0]! + pooled[1]!) / 2;
    const sd = Math.sqrt(((pooled[0]! - mu) ** 2 + (pooled[1]! - mu) ** 2) / 2 + 1e-6);
    const logits = applyAttentiveProbe(params, tokens, 2);
    expectAllClose(await logits.data(), pooled.map((p) => (p - mu) / sd), ctx.tol(10), 0, 'logits');
    tf.dispose([tokens, logits]);
    for (const t of [params.query, params.wk, params.wv, params.norm.gamma, params.norm.beta, params.head.w, params.head.b]) t.dispose();
  });

  it('does not leak', async () => {
    const rng = new Rng(1);
    const train = markedTokens(rng, 32);
    await expectNoLeak(async () => {
      await attentiveProbe(train, train, 2, { heads: 2, epochs: 1, batchSize: 16 });
    }, 'attentiveProbe');
    const params = initAttentiveProbe(4, 2, { seed: 0 });
    const x = tf.zeros([2, 8, 4]) as tf.Tensor3D;
    await expectNoLeak(() => applyAttentiveProbe(params, x, 2), 'applyAttentiveProbe');
    x.dispose();
  });
});
