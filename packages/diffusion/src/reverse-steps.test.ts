import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@darl/tensor-backend';
import { describeBackends, expectAllClose, expectNoLeak } from '@darl/tensor-backend/testing';
import { expect, it } from 'vitest';
import { ddimCoefficients, ddimStep, ddpmCoefficients, ddpmStep } from './reverse-steps.js';
import { samplingGammas } from './sampling-gammas.js';

interface Loop {
  N: number;
  D: number;
  steps: number;
  c: number[];
  xStart: number[];
  stepNoise: number[][];
  grid: number[];
  ddimEta0: number[];
  'ddimEta0.5Temp0.7': number[];
  ddpm: number[];
}
const loop = (JSON.parse(readFileSync(new URL('../fixtures/golden.json', import.meta.url), 'utf8')) as { loop: Loop }).loop;

/** Runs the dummy model x0 = 0.5·x + c through `step` with the fixture's noise. */
function runLoop(step: (x: tf.Tensor2D, x0: tf.Tensor2D, gt: number, gn: number, noise: tf.Tensor2D) => tf.Tensor2D): Float32Array {
  const { N, D } = loop;
  const c = tf.tensor2d(loop.c, [N, D]);
  let x = tf.tensor2d(loop.xStart, [N, D]);
  const gammas = samplingGammas(loop.steps);
  for (let i = 0; i < loop.steps; i++) {
    const next = tf.tidy(() => step(x, tf.add(tf.mul(x, 0.5), c), gammas[i]!, gammas[i + 1]!, tf.tensor2d(loop.stepNoise[i]!, [N, D])));
    x.dispose();
    x = next;
  }
  const out = x.dataSync() as Float32Array;
  x.dispose();
  c.dispose();
  return out;
}

describeBackends('reverse steps', (ctx) => {
  it('the sampling grid equals the NumPy one', () => {
    expectAllClose(samplingGammas(loop.steps), loop.grid, 1e-15, 1e-12);
  });

  it('DDIM η = 0 loop with a dummy model matches NumPy', () => {
    expectAllClose(runLoop((x, x0, gt, gn) => ddimStep(x, x0, gt, gn)), loop.ddimEta0, ctx.tol(4), ctx.tol(1), 'DDIM η=0');
  });

  it('DDIM η = 0.5, temperature 0.7 loop matches NumPy', () => {
    const out = runLoop((x, x0, gt, gn, noise) => ddimStep(x, x0, gt, gn, { eta: 0.5, temperature: 0.7, noise }));
    expectAllClose(out, loop['ddimEta0.5Temp0.7'], ctx.tol(4), ctx.tol(1), 'DDIM η=0.5');
  });

  it('DDPM ancestral loop matches NumPy', () => {
    expectAllClose(runLoop((x, x0, gt, gn, noise) => ddpmStep(x, x0, gt, gn, { noise })), loop.ddpm, ctx.tol(4), ctx.tol(1), 'DDPM');
  });

  it('DDPM posterior equals DDIM with η = 1 (same noise)', () => {
    for (const [gt, gn] of [
      [0.01, 0.2],
      [0.5, 0.51],
      [0.3, 1],
    ] as const) {
      const a = ddpmCoefficients(gt, gn, 0.8);
      const b = ddimCoefficients(gt, gn, 1, 0.8);
      expect(a.cx0).toBeCloseTo(b.cx0, 12);
      expect(a.cx).toBeCloseTo(b.cx, 12);
      expect(a.cz).toBeCloseTo(b.cz, 12);
    }
  });

  it('the last step to γ = 1 returns the x0 estimate and draws no noise', () => {
    const rng = new Rng(1);
    const x = rng.normal([2, 3]) as tf.Tensor2D;
    const x0 = rng.normal([2, 3]) as tf.Tensor2D;
    const state = JSON.stringify(rng.state());
    expectAllClose(ddpmStep(x, x0, 0.7, 1, { rng }), x0, ctx.tol(2));
    expectAllClose(ddimStep(x, x0, 0.7, 1, { eta: 1, rng }), x0, ctx.tol(2));
    expect(JSON.stringify(rng.state())).toBe(state);
  });

  it('no leaks', async () => {
    const rng = new Rng(2);
    const x = rng.normal([2, 3]) as tf.Tensor2D;
    const x0 = rng.normal([2, 3]) as tf.Tensor2D;
    await expectNoLeak(() => ddimStep(x, x0, 0.2, 0.4), 'ddimStep');
    await expectNoLeak(() => ddimStep(x, x0, 0.2, 0.4, { eta: 1, rng }), 'ddimStep η=1');
    await expectNoLeak(() => ddpmStep(x, x0, 0.2, 0.4, { rng }), 'ddpmStep');
  });

  it('errors are clear', () => {
    const x = tf.zeros([2, 3]) as tf.Tensor2D;
    expect(() => ddimStep(x, tf.zeros([2, 4]) as tf.Tensor2D, 0.2, 0.4)).toThrow(/ddimStep: "x0Pred" must have shape \[N=2, D=3\], got \[2, 4\]/);
    expect(() => ddpmStep(x, x, 0.2, 0.4)).toThrow(/ddpmStep: this step injects noise; pass opts.rng/);
    expect(() => ddimStep(x, x, 0.5, 0.4)).toThrow(/"gammaNext" must be in \[gammaNow, 1\]/);
    expect(() => ddimStep(x, x, 0, 0.4)).toThrow(/"gammaNow" must be in \(0, 1\)/);
    expect(() => ddimStep(x, x, 0.2, 0.4, { eta: -1 })).toThrow(/eta must be ≥ 0/);
  });
});
