import * as tf from '@tensorflow/tfjs-core';
import { disposeTree, flattenTree, Rng } from '@darl/tensor-backend';
import { describeBackends, expectAllClose, expectNoLeak } from '@darl/tensor-backend/testing';
import { afterAll, expect, it } from 'vitest';
import { applyPatchDecoder, initPatchDecoder, type PatchDecoderParams } from './patch-decoder.js';
import { patchDecoderConfig, type PatchDecoderConfig } from './patch-decoder-config.js';
import { maxDiff, randomiseParams } from '../test/helpers.js';

const N = 5;
const D = 6;
const C = 7;

function config(kind: 'mlp' | 'transformer', gammaInput = true): PatchDecoderConfig {
  return patchDecoderConfig({ kind, depth: 2, width: 16, heads: 2, patchDim: D, conditionDim: C, gammaInput });
}

describeBackends('patch decoder', (ctx) => {
  const owned: PatchDecoderParams[] = [];
  const make = (c: PatchDecoderConfig, seed = 1): PatchDecoderParams => {
    const p = initPatchDecoder(c, { seed });
    owned.push(p);
    return p;
  };
  afterAll(() => owned.forEach((p) => disposeTree(p)));

  for (const kind of ['mlp', 'transformer'] as const) {
    it(`${kind}: returns [N, D] and is exactly 0 at initialisation (zero output layer)`, () => {
      const c = config(kind);
      const p = make(c);
      const rng = new Rng(2);
      const out = applyPatchDecoder(p, c, rng.normal([N, D]) as tf.Tensor2D, rng.normal([N, C]) as tf.Tensor2D, Float64Array.of(0.1, 0.3, 0.5, 0.7, 0.9));
      expect(out.shape).toEqual([N, D]);
      expectAllClose(out, new Float32Array(N * D), 0);
    });

    it(`${kind}: gammaInput false makes the output independent of γ (and true does not)`, () => {
      const rng = new Rng(3);
      const noisy = rng.normal([N, D]) as tf.Tensor2D;
      const cond = rng.normal([N, C]) as tf.Tensor2D;
      for (const gammaInput of [true, false]) {
        const c = config(kind, gammaInput);
        const p = make(c);
        randomiseParams(p as never, new Rng(4));
        const a = applyPatchDecoder(p, c, noisy, cond, 0.05);
        const b = applyPatchDecoder(p, c, noisy, cond, Float64Array.of(0.9, 0.8, 0.7, 0.6, 0.99));
        if (gammaInput) expect(maxDiff(a, b)).toBeGreaterThan(1e-2);
        else expect(maxDiff(a, b)).toBe(0);
        expect(flattenTree(p).some(([path]) => path.startsWith('gammaEmbed/'))).toBe(gammaInput);
      }
    });

    it(`${kind}: rows are independent (each noisy patch sees only its own condition)`, () => {
      const c = config(kind);
      const p = make(c, 5);
      randomiseParams(p as never, new Rng(6));
      const rng = new Rng(7);
      const noisy = rng.normal([N, D]) as tf.Tensor2D;
      const cond = rng.normal([N, C]) as tf.Tensor2D;
      const gamma = Float64Array.of(0.1, 0.3, 0.5, 0.7, 0.9);
      const all = applyPatchDecoder(p, c, noisy, cond, gamma);
      const row = applyPatchDecoder(p, c, tf.slice(noisy, [2, 0], [1, D]), tf.slice(cond, [2, 0], [1, C]), [gamma[2]!]);
      expectAllClose(tf.slice(all, [2, 0], [1, D]), row, ctx.tol(4));
    });

    it(`${kind}: gradients reach every parameter (after the zero-initialised gates are opened)`, () => {
      const c = config(kind);
      const p = make(c, 8);
      const rng = new Rng(9);
      const noisy = rng.normal([N, D]) as tf.Tensor2D;
      const cond = rng.normal([N, C]) as tf.Tensor2D;
      const target = rng.normal([N, D]);
      const loss = (): tf.Scalar => tf.mean(tf.square(tf.sub(applyPatchDecoder(p, c, noisy, cond, 0.4), target)));
      // At initialisation the output layer gets a gradient (its input is non-zero).
      const g0 = tf.variableGrads(loss);
      expect(tf.norm(g0.grads[(p.outProj.w as tf.Variable).name]!).dataSync()[0]).toBeGreaterThan(0);
      disposeTree(g0.grads as never);
      g0.value.dispose();
      randomiseParams(p as never, new Rng(10));
      const { value, grads } = tf.variableGrads(loss);
      for (const [path, v] of flattenTree(p)) {
        const g = grads[v.name];
        expect(g, path).toBeDefined();
        if (path.endsWith('/b') && path.startsWith('gammaEmbed')) continue;
        expect(tf.norm(g!).dataSync()[0], path).toBeGreaterThan(0);
      }
      disposeTree(grads as never);
      value.dispose();
    });

    it(`${kind}: same seed, same weights`, () => {
      const c = config(kind);
      const a = flattenTree(make(c, 11));
      const b = flattenTree(make(c, 11));
      expect(a.map(([k]) => k)).toEqual(b.map(([k]) => k));
      a.forEach(([k, t], i) => expect(maxDiff(t, b[i]![1]), k).toBe(0));
    });

    it(`${kind}: no leak`, async () => {
      const c = config(kind);
      const p = make(c, 12);
      const rng = new Rng(13);
      const noisy = rng.normal([N, D]) as tf.Tensor2D;
      const cond = rng.normal([N, C]) as tf.Tensor2D;
      await expectNoLeak(() => applyPatchDecoder(p, c, noisy, cond, 0.5), 'applyPatchDecoder');
      await expectNoLeak(() => {
        const q = initPatchDecoder(c, { seed: 1 });
        disposeTree(q);
      }, 'initPatchDecoder + disposeTree');
    });
  }

  it('parameter paths are stable and named', () => {
    const p = make(config('mlp'));
    const paths = flattenTree(p).map(([k]) => k);
    expect(paths).toContain('blocks/1/modulation/w');
    expect(paths).toContain('gammaEmbed/fc1/w');
    expect(paths).toContain('outProj/w');
    const t = flattenTree(make(config('transformer'))).map(([k]) => k);
    expect(t).toContain('transformer/blocks/0/attn/wqkv');
  });

  it('shape and config errors are clear', () => {
    const c = config('mlp');
    const p = make(c);
    const x = tf.zeros([N, D]) as tf.Tensor2D;
    expect(() => applyPatchDecoder(p, c, x, tf.zeros([N, C + 1]) as tf.Tensor2D, 0.5)).toThrow(
      /applyPatchDecoder: "condition" must have shape \[N=5, 7\], got \[5, 8\]/,
    );
    expect(() => applyPatchDecoder(p, c, tf.zeros([N, D + 1]) as tf.Tensor2D, tf.zeros([N, C]) as tf.Tensor2D, 0.5)).toThrow(
      /"noisy" must have shape \[N, 6\], got \[5, 7\]/,
    );
    expect(() => applyPatchDecoder(p, c, x, tf.zeros([N, C]) as tf.Tensor2D, [0.5])).toThrow(/one noise level per row \(5\), got 1/);
    expect(() => applyPatchDecoder(p, config('transformer'), x, tf.zeros([N, C]) as tf.Tensor2D, 0.5)).toThrow(/belong to a mlp decoder but config.kind is 'transformer'/);
    expect(() => applyPatchDecoder(p, config('mlp', false), x, tf.zeros([N, C]) as tf.Tensor2D, 0.5)).toThrow(/gammaInput is false but "params" have a γ embedding/);
    expect(() => patchDecoderConfig({ patchDim: 4, conditionDim: 4, widht: 8 } as never)).toThrow(/unknown key "widht". Did you mean "width"\?/);
    expect(() => patchDecoderConfig({ patchDim: 4, conditionDim: 4, kind: 'transformer', width: 10, heads: 4 })).toThrow(/divisible by heads/);
    expect(() => patchDecoderConfig({ patchDim: 0, conditionDim: 4 })).toThrow(/"patchDim" must be an integer ≥ 1/);
  });
});
