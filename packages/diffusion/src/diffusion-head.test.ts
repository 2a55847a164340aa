import * as tf from '@tensorflow/tfjs-core';
import { disposeTree, flattenTree, Rng } from '@darl/tensor-backend';
import { describeBackends, expectAllClose, expectNoLeak } from '@darl/tensor-backend/testing';
import { afterAll, expect, it } from 'vitest';
import { diffusionHeadConfig, type DiffusionHeadConfig } from './diffusion-head-config.js';
import { diffusionLoss, initDiffusionHead, type DiffusionHeadParams } from './diffusion-loss.js';
import { sampleNoiseLevels } from './noise-level.js';
import { addNoise, convertPrediction, lossWeights, predictionTarget } from './parameterisation.js';
import { applyPatchDecoder } from './patch-decoder.js';
import { ddimStep, ddpmStep } from './reverse-steps.js';
import { predictX0, sampleDiffusion } from './sample-diffusion.js';
import { samplingGammas, samplingSchedule } from './sampling-gammas.js';
import { maxDiff, randomiseParams } from '../test/helpers.js';

const N = 4;
const D = 6;
const C = 5;

function config(over: Partial<Omit<DiffusionHeadConfig, 'decoder'>> = {}, kind: 'mlp' | 'transformer' = 'mlp'): DiffusionHeadConfig {
  return diffusionHeadConfig({ decoder: { kind, depth: 2, width: 16, heads: 2, patchDim: D, conditionDim: C }, ...over });
}

describeBackends('diffusion head', (ctx) => {
  const owned: DiffusionHeadParams[] = [];
  const make = (c: DiffusionHeadConfig, seed = 1, randomise = true): DiffusionHeadParams => {
    const p = initDiffusionHead(c, { seed });
    if (randomise) randomiseParams(p as never, new Rng(seed + 100), 0.2);
    owned.push(p);
    return p;
  };
  afterAll(() => owned.forEach((p) => disposeTree(p)));
  const data = (seed: number): { x0: tf.Tensor2D; cond: tf.Tensor2D } => {
    const rng = new Rng(seed);
    return { x0: rng.normal([N, D]) as tf.Tensor2D, cond: rng.normal([N, C]) as tf.Tensor2D };
  };

  for (const prediction of ['x0', 'eps', 'v'] as const) {
    for (const weighting of ['none', 'min-snr'] as const) {
      it(`loss (${prediction}, ${weighting}, K = 3) equals a hand-written reference from the same draws`, () => {
        const c = config({ prediction, weighting, batchMultiplier: 3, noiseLevels: { kind: 'beta', a: 1, b: 2 } });
        const p = make(c);
        const { x0, cond } = data(2);
        const { loss, perTarget, gamma } = diffusionLoss(p, c, x0, cond, new Rng(3));
        expect(perTarget.shape).toEqual([N * 3]);
        expect(gamma.length).toBe(N * 3);
        // Reference: the same streams (γ from fork('gamma'), then ε from fork('noise')), targets and conditions tiled draw-major.
        const rng = new Rng(3);
        const gammaRng = rng.fork('gamma');
        const noiseRng = rng.fork('noise');
        const g = sampleNoiseLevels(c.noiseLevels, N * 3, gammaRng);
        expect(Array.from(gamma)).toEqual(Array.from(g));
        const eps = noiseRng.normal([N * 3, D]) as tf.Tensor2D;
        const x0k = tf.concat([x0, x0, x0], 0) as tf.Tensor2D;
        const ck = tf.concat([cond, cond, cond], 0) as tf.Tensor2D;
        const out = applyPatchDecoder(p.decoder, c.decoder, addNoise(x0k, eps, g), ck, g);
        const se = tf.mean(tf.square(tf.sub(out, predictionTarget(prediction, x0k, eps, g))), 1).dataSync();
        const w = lossWeights(weighting, prediction, g);
        const expected = Array.from(se, (v, i) => v * w[i]!);
        expectAllClose(perTarget, expected, ctx.tol(4), ctx.tol(1));
        expectAllClose(loss, expected.reduce((a, b) => a + b, 0) / expected.length, ctx.tol(4), ctx.tol(1));
      });
    }
  }

  it('is differentiable w.r.t. the decoder and the conditions (gradients summed over the K draws)', () => {
    const c = config({ batchMultiplier: 2 });
    const p = make(c, 4);
    const { x0, cond } = data(5);
    const condVar = tf.variable(cond);
    const { value, grads } = tf.variableGrads(() => diffusionLoss(p, c, x0, condVar, new Rng(6)).loss);
    for (const [path, v] of flattenTree(p)) expect(grads[v.name], path).toBeDefined();
    expect(tf.norm(grads[condVar.name]!).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([value, condVar, ...Object.values(grads)]);
  });

  it('sampleDiffusion equals the loop written by hand from the public pieces', () => {
    for (const kind of ['mlp', 'transformer'] as const) {
      const c = config({ prediction: 'v', noiseLevels: { kind: 'schedule', schedule: 'sigmoid' } }, kind);
      const p = make(c, 7);
      const { cond } = data(8);
      for (const sampler of ['ddim', 'ddpm'] as const) {
        const opts = { steps: 5, sampler, eta: 0.3, temperature: 0.8 };
        const got = sampleDiffusion(p, c, cond, { ...opts, rng: new Rng(9) });
        const rng = new Rng(9);
        const gammas = samplingGammas(5, samplingSchedule(c));
        let x = rng.normal([N, D]) as tf.Tensor2D;
        for (let i = 0; i < 5; i++) {
          const x0 = convertPrediction(applyPatchDecoder(p.decoder, c.decoder, x, cond, gammas[i]!), 'v', 'x0', x, gammas[i]!);
          x = sampler === 'ddim'
            ? ddimStep(x, x0, gammas[i]!, gammas[i + 1]!, { eta: 0.3, temperature: 0.8, rng })
            : ddpmStep(x, x0, gammas[i]!, gammas[i + 1]!, { temperature: 0.8, rng });
        }
        expectAllClose(got, x, ctx.tol(4), ctx.tol(1), `${kind} ${sampler}`);
      }
    }
  });

  it('sampling is seeded, and temperature changes the injected noise', () => {
    const c = config();
    const p = make(c, 10);
    const { cond } = data(11);
    const a = sampleDiffusion(p, c, cond, { steps: 4, sampler: 'ddpm', rng: new Rng(1) });
    const b = sampleDiffusion(p, c, cond, { steps: 4, sampler: 'ddpm', rng: new Rng(1) });
    expect(maxDiff(a, b)).toBe(0);
    const d = sampleDiffusion(p, c, cond, { steps: 4, sampler: 'ddpm', rng: new Rng(2) });
    expect(maxDiff(a, d)).toBeGreaterThan(1e-3);
    const cold = sampleDiffusion(p, c, cond, { steps: 4, sampler: 'ddpm', temperature: 0, rng: new Rng(1) });
    expect(maxDiff(a, cold)).toBeGreaterThan(1e-4);
  });

  it('predictX0 converts the decoder output to x0', () => {
    const c = config({ prediction: 'eps' });
    const p = make(c, 12);
    const { x0, cond } = data(13);
    const out = applyPatchDecoder(p.decoder, c.decoder, x0, cond, 0.6);
    expectAllClose(predictX0(p, c, x0, cond, 0.6), convertPrediction(out, 'eps', 'x0', x0, 0.6), ctx.tol(2));
  });

  it('no leaks', async () => {
    const c = config({ batchMultiplier: 2, weighting: 'snr' });
    const p = make(c, 14);
    const { x0, cond } = data(15);
    await expectNoLeak(() => {
      const r = diffusionLoss(p, c, x0, cond, new Rng(1));
      return { loss: r.loss, perTarget: r.perTarget };
    }, 'diffusionLoss');
    await expectNoLeak(() => sampleDiffusion(p, c, cond, { steps: 3, sampler: 'ddpm', rng: new Rng(1) }), 'sampleDiffusion ddpm');
    await expectNoLeak(() => sampleDiffusion(p, c, cond, { steps: 3, sampler: 'ddim', rng: new Rng(1) }), 'sampleDiffusion ddim');
    await expectNoLeak(() => predictX0(p, c, x0, cond, 0.3), 'predictX0');
    await expectNoLeak(() => {
      const q = initDiffusionHead(c, { seed: 3 });
      disposeTree(q);
    }, 'initDiffusionHead');
    await expectNoLeak(() => {
      const { value, grads } = tf.variableGrads(() => diffusionLoss(p, c, x0, cond, new Rng(2)).loss);
      return [value, ...Object.values(grads)];
    }, 'gradient of diffusionLoss');
  });

  it('common random numbers: noise-level distributions that draw γ differently share ε and leave the stream at the same place', () => {
    // Beta draws γ by rejection (a varying number of uniforms), the cosine schedule one uniform per γ: the caller's
    // stream advances by exactly two draws (the two forks) either way, so ε (forked second) and later calls agree.
    const specs = [{ kind: 'beta', a: 1, b: 2 }, { kind: 'beta', a: 1, b: 1 }, { kind: 'schedule', schedule: 'cosine' }] as const;
    const states = specs.map((noiseLevels) => {
      const c = config({ noiseLevels, batchMultiplier: 2 });
      const p = make(c, 18);
      const { x0, cond } = data(19);
      const rng = new Rng(20);
      const r = diffusionLoss(p, c, x0, cond, rng);
      r.loss.dispose();
      r.perTarget.dispose();
      return JSON.stringify(rng.state());
    });
    expect(new Set(states).size).toBe(1);
    const reference = new Rng(20);
    reference.nextUint32();
    reference.nextUint32();
    expect(states[0]).toBe(JSON.stringify(reference.state()));
  });

  it('shape and config errors are clear', () => {
    const c = config();
    const p = make(c, 16, false);
    const { x0, cond } = data(17);
    expect(() => diffusionLoss(p, c, x0, tf.zeros([N + 1, C]) as tf.Tensor2D, new Rng(1))).toThrow(
      /diffusionLoss: "conditions" must have shape \[N=4, 5\], got \[5, 5\]/,
    );
    expect(() => diffusionLoss(p, c, tf.zeros([N, D, 1]) as unknown as tf.Tensor2D, cond, new Rng(1))).toThrow(/diffusionLoss: "targets" must be of rank 2/);
    expect(() => sampleDiffusion(p, c, tf.zeros([N, C + 2]) as tf.Tensor2D, { steps: 2, sampler: 'ddim', rng: new Rng(1) })).toThrow(
      /sampleDiffusion: "conditions" must have shape \[N, 5\], got \[4, 7\]/,
    );
    expect(() => sampleDiffusion(p, c, cond, { steps: 2, sampler: 'euler' as never, rng: new Rng(1) })).toThrow(/"sampler" must be 'ddim' or 'ddpm'/);
    expect(() => sampleDiffusion(p, c, cond, { steps: 0, sampler: 'ddim', rng: new Rng(1) })).toThrow(/steps must be an integer ≥ 1/);
    expect(() => diffusionHeadConfig({ decoder: { patchDim: 4, conditionDim: 4 }, batchMultiplier: 0 })).toThrow(/"batchMultiplier" must be an integer ≥ 1/);
    expect(() => diffusionHeadConfig({ decoder: { patchDim: 4, conditionDim: 4 }, predict: 'x0' } as never)).toThrow(/unknown key "predict". Did you mean "prediction"\?/);
    expect(() => diffusionHeadConfig({ decoder: { patchDim: 4, conditionDim: 4 }, noiseLevels: { kind: 'beta', a: -1, b: 1 } })).toThrow(/Beta\(a, b\) needs/);
  });
});
