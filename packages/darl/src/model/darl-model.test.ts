import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { disposeTree, Rng } from '@darl/tensor-backend';
import { describeBackends, expectNoLeak } from '@darl/tensor-backend/testing';
import { ConfigError } from '../config/validate.js';
import { buildDarl, darlLoss, initDarlParams, inputTokens, paramTree, toPatchSequence, type DarlModel, type DarlParams } from './darl-model.js';
import { pooledFeatures, extractTokenFeatures } from './features.js';
import { generate } from './generate.js';

const tinyConfig = {
  image: { height: 8, width: 8, channels: 1 },
  patchSize: 2,
  backbone: { preset: 'tiny' as const, width: 16, depth: 2, heads: 2 },
};

function images(n: number, seed: number): tf.Tensor4D {
  return new Rng(seed).uniform([n, 8, 8, 1], -1, 1) as tf.Tensor4D;
}

it('rejects unknown config keys with the closest valid name', () => {
  expect(() => buildDarl({ patchSze: 4 } as never)).toThrow(ConfigError);
  expect(() => buildDarl({ patchSze: 4 } as never)).toThrow(/Unknown key "patchSze"\. Did you mean "patchSize"\?/);
  expect(() => buildDarl({ objective: 'l1' } as never)).toThrow(/"objective" is "l1"; it must be one of "mse", "diffusion"/);
  expect(() => buildDarl({ image: { height: 30, width: 28, channels: 1 }, patchSize: 4 })).toThrow(/patchSize 4 does not divide the 30×28 image/);
});

describeBackends('DARL model', (ctx) => {
  let model: DarlModel;
  let params: DarlParams;
  beforeAll(() => {
    model = buildDarl(tinyConfig);
    params = initDarlParams(model, { seed: 1 });
  });
  afterAll(() => disposeTree(paramTree(params)));

  it('predicts patch t from patches before t only (input/target shift)', () => {
    const x = images(2, 3);
    const base = darlLoss(model, params, x, { rng: new Rng(0) });
    const before = base.perTarget.arraySync();
    // Perturb the patch at sequence position 5 (raster: patch row 1, col 1 → pixels rows 2-3, cols 2-3).
    const bump = tf.tidy(() => {
      const buf = tf.buffer([2, 8, 8, 1]);
      for (const [r, c] of [[2, 2], [2, 3], [3, 2], [3, 3]] as const) buf.set(0.5, 0, r, c, 0);
      return tf.add(x, buf.toTensor()) as tf.Tensor4D;
    });
    const moved = darlLoss(model, params, bump, { rng: new Rng(0) });
    const after = moved.perTarget.arraySync();
    const L = model.length;
    for (let t = 0; t < L; t++) {
      // Targets up to and including position 5 only see patches 0…t−1 < 5 … except the target itself changes at 5.
      if (t < 5) expect(after[t]).toBeCloseTo(before[t]!, 6);
    }
    expect(Math.abs(after[5]! - before[5]!)).toBeGreaterThan(1e-4); // the target itself moved
    expect(Math.abs(after[6]! - before[6]!)).toBeGreaterThan(1e-6); // now sees the moved patch
    // Image 2 is untouched.
    for (let t = 0; t < L; t++) expect(after[L + t]).toBeCloseTo(before[L + t]!, 5);
    for (const r of [base, moved]) {
      r.loss.dispose();
      r.perTarget.dispose();
    }
    x.dispose();
    bump.dispose();
  });

  it('MSE generation through the KV cache is a fixed point of the full causal pass', () => {
    const out = generate(model, params, { n: 2, seed: 0 });
    // Feeding the generated images back, the MSE head must predict each generated patch from its prefix.
    const r = darlLoss(model, params, out, { rng: new Rng(0) });
    expect(r.loss.dataSync()[0]!).toBeLessThan(ctx.tol(10));
    r.loss.dispose();
    r.perTarget.dispose();
    out.dispose();
  });

  it('prefix completion keeps the given patches', () => {
    const x = images(3, 5);
    const out = generate(model, params, { prefix: { images: x, patches: 8 }, seed: 2 });
    // Raster order, 4×4 grid of 2×2 patches: the first 8 patches are the top 4 pixel rows.
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(tf.slice(out, [0, 0, 0, 0], [3, 4, 8, 1]), tf.slice(x, [0, 0, 0, 0], [3, 4, 8, 1])))).dataSync()[0]!);
    expect(diff).toBeLessThan(1e-6);
    x.dispose();
    out.dispose();
  });

  it('extracts features of every layer; full attention differs from causal', () => {
    const x = images(2, 7);
    const feats = extractTokenFeatures(model, params, x, { layers: [0, 1, 2] });
    expect(feats.map((f) => f.shape)).toEqual([[2, 17, 16], [2, 17, 16], [2, 17, 16]]); // [SOS, p1 … p16]
    const causal = pooledFeatures(model, params, x, { layer: 2, pool: 'mean', attention: 'causal' });
    const full = pooledFeatures(model, params, x, { layer: 2, pool: 'mean', attention: 'full' });
    const concat = pooledFeatures(model, params, x, { layer: 1, pool: 'concat' });
    expect(causal.shape).toEqual([2, 16]);
    expect(concat.shape).toEqual([2, 272]);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(causal, full))).dataSync()[0]!)).toBeGreaterThan(1e-5);
    expect(() => extractTokenFeatures(model, params, x, { layers: [3] })).toThrow(/layer 3 does not exist; layers are 0 \(input tokens\) to 2/);
    for (const t of [...feats, causal, full, concat, x]) t.dispose();
  });

  it('readout sees the last patch and keeps the training features of tokens 0 … L−1 (causal)', () => {
    const x = images(2, 11);
    // Change only the last 2×2 patch (bottom-right corner of the 8×8 image).
    const y = tf.tidy(() => tf.add(x, tf.pad(tf.fill([2, 2, 2, 1], 0.5), [[0, 0], [6, 0], [6, 0], [0, 0]])) as tf.Tensor4D);
    const [fx] = extractTokenFeatures(model, params, x, { layers: [2], attention: 'causal' });
    const [fy] = extractTokenFeatures(model, params, y, { layers: [2], attention: 'causal' });
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(fx!, fy!)), 2).dataSync() as Float32Array); // [B, L + 1] flattened
    for (let b = 0; b < 2; b++) {
      for (let t = 0; t < 16; t++) expect(diff[b * 17 + t]).toBeLessThan(1e-6); // causal: earlier tokens never see pL
      expect(diff[b * 17 + 16]).toBeGreaterThan(1e-4); // the extra token does
    }
    // Tokens 0 … L−1 are the training-time outputs (the training input is the readout minus its last token).
    const tokens = inputTokens(model, params, toPatchSequence(model, x), { dropLast: true });
    const train = tf.tidy(() => model.backbone.apply(params.backbone, tokens, { positions: model.positions, attention: 'causal', returnHidden: true }).hidden![1]!);
    const gap = tf.tidy(() => tf.max(tf.abs(tf.sub(train, tf.slice(fx!, [0, 0, 0], [2, 16, 16])))).dataSync()[0]!);
    expect(gap).toBeLessThan(1e-5);
    for (const t of [x, y, fx!, fy!, tokens, train]) t.dispose();
  });

  it('does not leak tensors', async () => {
    const x = images(2, 9);
    await expectNoLeak(() => {
      const r = darlLoss(model, params, x, { rng: new Rng(1) });
      return [r.loss, r.perTarget];
    }, 'darlLoss');
    await expectNoLeak(() => generate(model, params, { n: 1 }), 'generate');
    await expectNoLeak(() => generate(model, params, { prefix: { images: x, patches: 16 } }), 'generate (full prefix)');
    await expectNoLeak(() => extractTokenFeatures(model, params, x, { layers: [0, 2] }), 'extractTokenFeatures');
    x.dispose();
  });
});
