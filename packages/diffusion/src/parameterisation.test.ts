import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@darl/tensor-backend';
import { describeBackends, expectAllClose, expectNoLeak } from '@darl/tensor-backend/testing';
import { expect, it } from 'vitest';
import { addNoise, convertPrediction, lossWeights, predictionTarget, type Prediction } from './parameterisation.js';
import { snrFromGamma } from './noise-schedule.js';

const N = 6;
const D = 5;
const GAMMA = Float64Array.of(0.001, 0.1, 0.3, 0.5, 0.9, 0.999);

function fixtures(seed: number): { x0: tf.Tensor2D; eps: tf.Tensor2D; x0Arr: Float32Array; epsArr: Float32Array } {
  const rng = new Rng(seed);
  const x0Arr = rng.normalArray(N * D);
  const epsArr = rng.normalArray(N * D);
  return { x0: tf.tensor2d(x0Arr, [N, D]), eps: tf.tensor2d(epsArr, [N, D]), x0Arr, epsArr };
}

describeBackends('parameterisation', (ctx) => {
  it('addNoise is √γ·x0 + √(1−γ)·ε per row (float64 reference)', () => {
    const { x0, eps, x0Arr, epsArr } = fixtures(1);
    const expected = Float64Array.from({ length: N * D }, (_, k) => {
      const g = GAMMA[Math.floor(k / D)]!;
      return Math.sqrt(g) * x0Arr[k]! + Math.sqrt(1 - g) * epsArr[k]!;
    });
    expectAllClose(addNoise(x0, eps, GAMMA), expected, ctx.tol(8), 0, 'addNoise');
    expectAllClose(addNoise(x0, eps, 0.25), Float64Array.from(x0Arr, (v, k) => 0.5 * v + Math.sqrt(0.75) * epsArr[k]!), ctx.tol(8));
  });

  it('v target is √γ·ε − √(1−γ)·x0; x0 and ε targets are the inputs', () => {
    const { x0, eps, x0Arr, epsArr } = fixtures(2);
    const expected = Float64Array.from({ length: N * D }, (_, k) => {
      const g = GAMMA[Math.floor(k / D)]!;
      return Math.sqrt(g) * epsArr[k]! - Math.sqrt(1 - g) * x0Arr[k]!;
    });
    expectAllClose(predictionTarget('v', x0, eps, GAMMA), expected, ctx.tol(8));
    expectAllClose(predictionTarget('x0', x0, eps, GAMMA), x0Arr, 0);
    expectAllClose(predictionTarget('eps', x0, eps, GAMMA), epsArr, 0);
  });

  it('conversions are exact: the true x0, ε and v of a noisy input map onto each other', () => {
    const { x0, eps } = fixtures(3);
    const noisy = addNoise(x0, eps, GAMMA);
    const truth: Record<Prediction, tf.Tensor2D> = { x0, eps, v: predictionTarget('v', x0, eps, GAMMA) };
    for (const from of ['x0', 'eps', 'v'] as const) {
      for (const to of ['x0', 'eps', 'v'] as const) {
        // ε from x0 divides by √(1−γ) and x0 from ε by √γ: rows with γ = 0.999 / 0.001 amplify rounding ~30× (~3e-6).
        expectAllClose(convertPrediction(truth[from], from, to, noisy, GAMMA), truth[to], ctx.tol(1), 0, `${from}→${to}`);
      }
    }
  });

  it('x0 → ε → v → x0 round-trips an arbitrary prediction', () => {
    const { x0, eps } = fixtures(4);
    const noisy = addNoise(x0, eps, GAMMA);
    const guess = new Rng(9).normal([N, D]) as tf.Tensor2D; // not the true x0
    const e = convertPrediction(guess, 'x0', 'eps', noisy, GAMMA);
    const v = convertPrediction(e, 'eps', 'v', noisy, GAMMA);
    const back = convertPrediction(v, 'v', 'x0', noisy, GAMMA);
    // Rows with γ = 0.001 divide by √γ ≈ 0.03 (and γ = 0.999 by √(1−γ)): float32 rounding grows ~30× to ~1e-5.
    expectAllClose(back, guess, ctx.tol(1), 0, 'x0→ε→v→x0');
    const v2 = convertPrediction(guess, 'x0', 'v', noisy, 0.5);
    expectAllClose(convertPrediction(v2, 'v', 'x0', noisy, 0.5), guess, ctx.tol(16));
  });

  it('loss weights make the three parameterisations agree in x0 space', () => {
    // For the same model, weighted squared errors in each space must be equal (up to rounding).
    const { x0, eps } = fixtures(5);
    const gamma = Float64Array.of(0.02, 0.2, 0.4, 0.6, 0.8, 0.95);
    const noisy = addNoise(x0, eps, gamma);
    const guess = tf.add(x0, tf.mul(0.3, new Rng(6).normal([N, D]))) as tf.Tensor2D;
    for (const weighting of ['snr', 'min-snr'] as const) {
      const perRow: number[][] = [];
      for (const p of ['x0', 'eps', 'v'] as const) {
        const pred = convertPrediction(guess, 'x0', p, noisy, gamma);
        const truth = p === 'x0' ? x0 : p === 'eps' ? eps : predictionTarget('v', x0, eps, gamma);
        const se = Array.from(tf.sum(tf.square(tf.sub(pred, truth)), 1).dataSync());
        const w = lossWeights(weighting, p, gamma);
        perRow.push(se.map((s, i) => s * w[i]!));
      }
      expectAllClose(perRow[1]!, perRow[0]!, 0, 2e-3, `${weighting}: ε vs x0`);
      expectAllClose(perRow[2]!, perRow[0]!, 0, 2e-3, `${weighting}: v vs x0`);
    }
  });

  it('no leaks', async () => {
    const { x0, eps } = fixtures(7);
    await expectNoLeak(() => addNoise(x0, eps, GAMMA), 'addNoise');
    await expectNoLeak(() => predictionTarget('v', x0, eps, GAMMA), 'predictionTarget');
    await expectNoLeak(() => predictionTarget('x0', x0, eps, GAMMA), 'predictionTarget x0');
    await expectNoLeak(() => convertPrediction(x0, 'eps', 'v', eps, GAMMA), 'convertPrediction');
  });

  it('shape and argument errors name the function and argument', () => {
    const { x0 } = fixtures(8);
    expect(() => addNoise(x0, tf.zeros([N, D + 1]) as tf.Tensor2D, GAMMA)).toThrow(/addNoise: "eps" must have shape \[N=6, D=5\], got \[6, 6\]/);
    expect(() => addNoise(x0, x0, [0.5, 0.5])).toThrow(/addNoise: "gamma" must hold one noise level per row \(6\), got 2/);
    expect(() => addNoise(tf.zeros([N]) as unknown as tf.Tensor2D, x0, 0.5)).toThrow(/addNoise: "x0" must be of rank 2/);
    expect(() => convertPrediction(x0, 'x0', 'score' as Prediction, x0, 0.5)).toThrow(/convertPrediction: to must be 'x0', 'eps' or 'v'/);
    expect(() => addNoise(x0, x0, 1.5)).toThrow(/"gamma" must be in \[0, 1\]/);
  });
});

it('lossWeights: snr and min-snr in x0 space (Hang et al. 2023)', () => {
  const g = [0.1, 0.5, 0.9];
  const snr = g.map(snrFromGamma);
  expect(Array.from(lossWeights('none', 'v', g))).toEqual([1, 1, 1]);
  expectAllClose(lossWeights('snr', 'x0', g), snr, 1e-12);
  expectAllClose(lossWeights('snr', 'eps', g), [1, 1, 1], 1e-12);
  expectAllClose(lossWeights('min-snr', 'x0', g), snr.map((s) => Math.min(s, 5)), 1e-12);
  expectAllClose(lossWeights('min-snr', 'eps', g, { snrClip: 2 }), snr.map((s) => Math.min(s, 2) / s), 1e-12);
  expectAllClose(lossWeights('min-snr', 'v', g), snr.map((s) => Math.min(s, 5) / (s + 1)), 1e-12);
  expect(() => lossWeights('p2' as never, 'x0', g)).toThrow(/weighting must be 'none', 'snr' or 'min-snr'/);
});
