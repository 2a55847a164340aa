// Layers and helpers checked against mathematical identities and hand-computed values.
import * as tf from '@tensorflow/tfjs-core';
import { expect, expectTypeOf, it } from 'vitest';
import { countParameters, disposeTree, flattenTree, Rng } from '@darl/tensor-backend';
import { describeBackends, expectAllClose, maxAbsDiff } from '@darl/tensor-backend/testing';
import { countTransformerParameters, transformerConfig } from './config.js';
import { applyTransformer, initTransformer } from './transformer.js';
import { applyBlock } from './block.js';
import { applyLinear, initLinear } from './linear.js';
import { applyLayerNorm } from './layer-norm.js';
import { gelu } from '@darl/tensor-backend';
import { applyRope, ropeTables } from './rope.js';
import { sincos2dTable } from './sincos-position.js';
import { causalMask, MASKED_SCORE } from '@darl/tensor-backend';
import { dropPath, dropPathRate } from './drop-path.js';
import { rasterPositions } from './positions.js';

describeBackends('layers', (ctx) => {
  it('gelu is the exact erf form', () => {
    const x = tf.tensor1d([-3, -1, 0, 0.5, 1, 3]);
    // x · Φ(x), Φ the standard normal CDF (values from scipy.stats.norm.cdf).
    const expected = [-3 * 0.0013498980316301, -0.15865525393145707, 0, 0.5 * 0.6914624612740131, 0.8413447460685429, 3 * 0.9986501019683699];
    expectAllClose(gelu(x), expected, ctx.tol(0.05), 0, 'gelu');
    x.dispose();
  });

  it('layer norm: zero mean, unit variance, then the affine map', () => {
    const x = new Rng(1).normal([3, 5, 8], { mean: 4, std: 3 });
    const gamma = tf.linspace(0.5, 2, 8);
    const beta = tf.linspace(-1, 1, 8);
    const plain = applyLayerNorm({ gamma: tf.onesLike(gamma), beta: tf.zerosLike(beta) }, x, 1e-6);
    expectAllClose(tf.mean(plain, -1), tf.zeros([3, 5]), ctx.tol(0.05), 0, 'mean');
    expectAllClose(tf.mean(tf.square(plain), -1), tf.ones([3, 5]), ctx.tol(0.1), 0, 'variance');
    const y = applyLayerNorm({ gamma, beta }, x, 1e-6);
    expectAllClose(y, tf.add(tf.mul(plain, gamma), beta), ctx.tol(0.1), 0, 'affine');
    tf.dispose([x, gamma, beta, plain, y]);
  });

  it('applyLinear on a rank-3 input equals the per-token product', () => {
    const lin = initLinear(6, 4, { seed: 3, init: 'xavier' });
    const x = new Rng(2).normal([2, 3, 6]) as tf.Tensor3D;
    const y = applyLinear(lin, x);
    expectTypeOf(y).toEqualTypeOf<tf.Tensor3D>(); // the rank survives in the type
    expectTypeOf<ReturnType<typeof applyLinear<tf.Rank.R2>>>().toEqualTypeOf<tf.Tensor2D>();
    expect(y.shape).toEqual([2, 3, 4]);
    const xs = x.arraySync() as number[][][];
    const w = lin.w.arraySync() as number[][];
    const expected = xs.map((row) => row.map((v) => [0, 1, 2, 3].map((o) => v.reduce((s, vi, i) => s + vi * w[i]![o]!, 0))));
    expectAllClose(y, expected.flat(2), ctx.tol(0.05), 0, 'linear');
    disposeTree([lin.w, lin.b, x, y]);
  });

  it('rope2d: the documented pairs rotate by the documented angles', () => {
    const dh = 8;
    const base = 100;
    const rows = Int32Array.of(3, -1);
    const cols = Int32Array.of(2, 5);
    const t = ropeTables([rows, cols], dh, base);
    const x = new Rng(4).normal([1, 2, dh]);
    const y = applyRope(x, t).arraySync() as number[][][];
    const xs = x.arraySync() as number[][][];
    const expected: number[] = [];
    for (let tok = 0; tok < 2; tok++) {
      const out = new Array<number>(dh);
      for (let s = 0; s < 2; s++) {
        const p = s === 0 ? rows[tok]! : cols[tok]!;
        for (let j = 0; j < 2; j++) {
          const a = p * Math.pow(base, (-2 * j) / 4);
          const i1 = s * 4 + j;
          const i2 = i1 + 2;
          const x1 = xs[0]![tok]![i1]!;
          const x2 = xs[0]![tok]![i2]!;
          out[i1] = x1 * Math.cos(a) - x2 * Math.sin(a);
          out[i2] = x2 * Math.cos(a) + x1 * Math.sin(a);
        }
      }
      expected.push(...out);
    }
    expectAllClose(y.flat(2), expected, ctx.tol(0.05), 0, 'rope2d');
    tf.dispose([t.cos, t.sin, t.swap, x]);
  });

  it('rope2d: scores depend only on relative (row, col) offsets; position 0 is the identity', () => {
    const dh = 16;
    const q = new Rng(5).normal([1, 2, dh]);
    const k = new Rng(6).normal([1, 2, dh]);
    const score = (rows: number[], cols: number[]): tf.Tensor => {
      const t = ropeTables([Int32Array.from(rows), Int32Array.from(cols)], dh, 10_000);
      const s = tf.sum(tf.mul(applyRope(q, t), applyRope(k, t)), -1);
      tf.dispose([t.cos, t.sin, t.swap]);
      return s;
    };
    const a = score([1, 4], [2, -3]);
    const b = score([11, 14], [-5, -10]);
    expectAllClose(a, b, ctx.tol(0.2), 0, 'shift invariance');
    const zero = ropeTables([new Int32Array(2), new Int32Array(2)], dh, 10_000);
    expectAllClose(applyRope(q, zero), q, ctx.tol(0.01), 0, 'identity at 0');
    tf.dispose([q, k, a, b, zero.cos, zero.sin, zero.swap]);
  });

  it('sincos2d table follows MAE (first half column, second half row; [sin, cos] each)', () => {
    const t = sincos2dTable({ rows: Int32Array.of(2), cols: Int32Array.of(3) }, 8);
    const expected = [Math.sin(3), Math.sin(0.03), Math.cos(3), Math.cos(0.03), Math.sin(2), Math.sin(0.02), Math.cos(2), Math.cos(0.02)];
    expectAllClose(t, expected, ctx.tol(0.01), 0, 'sincos');
    t.dispose();
  });

  it('causal mask blocks exactly the future keys, also after a cache offset', () => {
    const m = causalMask(2, 1);
    expect(Array.from(m.dataSync())).toEqual([0, 0, MASKED_SCORE, 0, 0, 0]);
    const full = causalMask(3);
    expect(Array.from(full.dataSync())).toEqual([0, MASKED_SCORE, MASKED_SCORE, 0, 0, MASKED_SCORE, 0, 0, 0]);
    tf.dispose([m, full]);
  });

  it('drop path: identity without an Rng; with one, whole sequences are dropped or scaled by 1 / (1 − rate)', () => {
    const x = tf.ones([400, 2, 3]);
    const same = dropPath(x, 0.3);
    expect(maxAbsDiff(same, x)).toBe(0);
    const y = dropPath(x, 0.3, new Rng(8));
    const perSeq = Array.from(tf.mean(y, [1, 2]).dataSync());
    for (const v of perSeq) expect(v === 0 || Math.abs(v - 1 / 0.7) < 1e-5).toBe(true);
    const dropped = perSeq.filter((v) => v === 0).length / perSeq.length;
    expect(dropped).toBeGreaterThan(0.22);
    expect(dropped).toBeLessThan(0.38);
    expect(dropPathRate(0.1, 0, 4)).toBe(0);
    expect(dropPathRate(0.1, 3, 4)).toBeCloseTo(0.1, 12);
    tf.dispose([x, same, y]);
  });

  it('init: shapes, paths, counts, statistics, determinism', () => {
    const config = transformerConfig({ preset: 'small' });
    const params = initTransformer(config, { seed: 1 });
    expect(countParameters(params)).toBe(countTransformerParameters(config));
    const paths = flattenTree(params).map(([p]) => p);
    expect(paths.slice(0, 12)).toEqual([
      'blocks/0/norm1/gamma', 'blocks/0/norm1/beta', 'blocks/0/attn/wqkv', 'blocks/0/attn/bqkv', 'blocks/0/attn/wo', 'blocks/0/attn/bo',
      'blocks/0/norm2/gamma', 'blocks/0/norm2/beta', 'blocks/0/mlp/w1', 'blocks/0/mlp/b1', 'blocks/0/mlp/w2', 'blocks/0/mlp/b2',
    ]);
    expect(paths.slice(-2)).toEqual(['norm/gamma', 'norm/beta']);
    const w = params.blocks[1]!.mlp.w1.dataSync();
    let sq = 0;
    let maxAbs = 0;
    for (const v of w) {
      sq += v * v;
      maxAbs = Math.max(maxAbs, Math.abs(v));
    }
    expect(maxAbs).toBeLessThanOrEqual(0.04 + 1e-7); // truncated at ±2σ
    expect(Math.sqrt(sq / w.length)).toBeGreaterThan(0.0165); // std of N(0, 0.02²) truncated at ±2σ ≈ 0.0176
    expect(Math.sqrt(sq / w.length)).toBeLessThan(0.0187);
    expect(Array.from(params.blocks[0]!.norm1.gamma.dataSync()).every((v) => v === 1)).toBe(true);
    expect(Array.from(params.blocks[0]!.attn.bqkv.dataSync()).every((v) => v === 0)).toBe(true);
    const again = initTransformer(config, { seed: 1 });
    expect(maxAbsDiff(again.blocks[3]!.attn.wo, params.blocks[3]!.attn.wo)).toBe(0);
    const xavier = initTransformer(transformerConfig({ preset: 'small', init: 'xavier', position: 'learned' }), { seed: 1 });
    const a = Math.sqrt(6 / (128 + 384));
    const q = xavier.blocks[0]!.attn.wqkv.dataSync();
    expect(Math.max(...Array.from(q, Math.abs))).toBeLessThanOrEqual(a);
    expect(Math.max(...Array.from(q, Math.abs))).toBeGreaterThan(0.95 * a);
    expect(xavier.pos!.shape).toEqual([256, 128]);
    disposeTree([params, again, xavier]);
  });

  it('hidden states: depth entries, the last one gives the output after the final LayerNorm; blocks compose', () => {
    const config = transformerConfig({ preset: 'tiny', position: 'none', depth: 3 });
    const params = initTransformer(config, { seed: 4 });
    const x = new Rng(1).normal([2, 5, 32]) as tf.Tensor3D;
    const { output, hidden } = applyTransformer(params, config, x, { returnHidden: true, attention: 'full' });
    expect(hidden!.length).toBe(3);
    const last = applyLayerNorm(params.norm, hidden![2]!, config.layerNormEps);
    expectAllClose(last, output, ctx.tol(0.05), 0, 'final LN');
    let h: tf.Tensor3D = x;
    for (let i = 0; i < 3; i++) {
      const next = applyBlock(params.blocks[i]!, config, h, { attention: 'full' });
      expectAllClose(next, hidden![i]!, ctx.tol(0.05), 0, `block ${i}`);
      if (h !== x) h.dispose();
      h = next;
    }
    tf.dispose([x, output, ...hidden!, last, h]);
    disposeTree(params);
  });

  it('drop path in applyTransformer: only with an Rng, deterministic per seed', () => {
    const config = transformerConfig({ preset: 'tiny', dropPath: 0.5, depth: 4 });
    const params = initTransformer(config, { seed: 4 });
    const positions = rasterPositions(1, 5);
    const x = new Rng(1).normal([8, 5, 32]) as tf.Tensor3D;
    const evalA = applyTransformer(params, config, x, { positions }).output;
    const evalB = applyTransformer(params, transformerConfig({ preset: 'tiny', depth: 4 }), x, { positions }).output;
    const trainA = applyTransformer(params, config, x, { positions, rng: new Rng(3) }).output;
    const trainB = applyTransformer(params, config, x, { positions, rng: new Rng(3) }).output;
    expect(maxAbsDiff(evalA, evalB)).toBe(0);
    expect(maxAbsDiff(trainA, trainB)).toBe(0);
    expect(maxAbsDiff(trainA, evalA)).toBeGreaterThan(1e-3);
    tf.dispose([x, evalA, evalB, trainA, trainB]);
    disposeTree(params);
  });
});
