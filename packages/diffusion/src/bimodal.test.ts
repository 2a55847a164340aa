import * as tf from '@tensorflow/tfjs-core';
import { disposeTree, flattenTree, Rng } from '@darl/tensor-backend';
import { describeBackends } from '@darl/tensor-backend/testing';
import { expect, it } from 'vitest';
import { diffusionHeadConfig } from './diffusion-head-config.js';
import { diffusionLoss, initDiffusionHead } from './diffusion-loss.js';
import { sampleDiffusion } from './sample-diffusion.js';

// The reason diffusion exists: for condition c (a random unit vector in 2-D) the target is +c or −c with equal
// probability. The MSE-optimal prediction is E[target | c] = 0, which is neither answer; a diffusion head learns
// the distribution and its samples land on both modes.

const B = 32;
const TEST = 300;

function batch(rng: Rng, n: number): { c: Float32Array; target: Float32Array } {
  const c = new Float32Array(2 * n);
  const target = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const theta = 2 * Math.PI * rng.next();
    const s = rng.next() < 0.5 ? -1 : 1;
    c[2 * i] = Math.cos(theta);
    c[2 * i + 1] = Math.sin(theta);
    target[2 * i] = s * c[2 * i]!;
    target[2 * i + 1] = s * c[2 * i + 1]!;
  }
  return { c, target };
}

describeBackends('bimodal toy task', () => {
  it('an MSE head predicts ≈ 0; the diffusion head samples both modes', () => {
    const t0 = Date.now();
    // ---- MSE head: a 2-layer MLP c → target trained with Adam ----
    const rng = new Rng(2024);
    const w1 = tf.variable(rng.normal([2, 32], { std: 0.5 }));
    const b1 = tf.variable(tf.zeros([32]));
    const w2 = tf.variable(rng.normal([32, 2], { std: 0.2 }));
    const mse = (c: tf.Tensor2D): tf.Tensor2D => tf.matMul(tf.relu(tf.add(tf.matMul(c, w1), b1)), w2);
    const optA = tf.train.adam(1e-2);
    for (let step = 0; step < 150; step++) {
      const { c, target } = batch(rng, B);
      tf.tidy(() => {
        optA.minimize(() => tf.mean(tf.square(tf.sub(mse(tf.tensor2d(c, [B, 2])), tf.tensor2d(target, [B, 2])))) as tf.Scalar, false, [w1, b1, w2]);
      });
    }
    const test = batch(new Rng(99), TEST);
    const testC = tf.tensor2d(test.c, [TEST, 2]);
    const msePred = mse(testC);
    const mseNorm = tf.mean(tf.norm(msePred, 'euclidean', 1)).dataSync()[0]!;

    // ---- diffusion head ----
    const config = diffusionHeadConfig({
      decoder: { kind: 'mlp', depth: 2, width: 32, patchDim: 2, conditionDim: 2 },
      noiseLevels: { kind: 'schedule', schedule: 'cosine' },
      batchMultiplier: 4,
    });
    const head = initDiffusionHead(config, { seed: 1 });
    const vars = flattenTree(head).map(([, v]) => v as tf.Variable);
    const opt = tf.train.adam(1e-2);
    let firstLoss = 0;
    let lastLoss = 0;
    for (let step = 0; step < 100; step++) {
      const { c, target } = batch(rng, B);
      const cost = tf.tidy(() =>
        opt.minimize(() => diffusionLoss(head, config, tf.tensor2d(target, [B, 2]), tf.tensor2d(c, [B, 2]), rng).loss, true, vars) as tf.Scalar,
      );
      if (step === 0) firstLoss = cost.dataSync()[0]!;
      lastLoss = cost.dataSync()[0]!;
      cost.dispose();
    }
    const samples = sampleDiffusion(head, config, testC, { steps: 20, sampler: 'ddim', rng: new Rng(5) });
    const s = samples.dataSync();
    let plus = 0;
    let minus = 0;
    for (let i = 0; i < TEST; i++) {
      const [cx, cy] = [test.c[2 * i]!, test.c[2 * i + 1]!];
      const [x, y] = [s[2 * i]!, s[2 * i + 1]!];
      if (Math.hypot(x - cx, y - cy) < 0.5) plus++;
      if (Math.hypot(x + cx, y + cy) < 0.5) minus++;
    }
    console.log(
      `bimodal: MSE head mean |prediction| = ${mseNorm.toFixed(3)}; diffusion loss ${firstLoss.toFixed(3)} → ${lastLoss.toFixed(3)}; ` +
        `samples near +c: ${((100 * plus) / TEST).toFixed(1)} %, near −c: ${((100 * minus) / TEST).toFixed(1)} % (${Date.now() - t0} ms)`,
    );
    expect(mseNorm).toBeLessThan(0.2);
    expect(lastLoss).toBeLessThan(firstLoss);
    expect(plus / TEST).toBeGreaterThan(0.3);
    expect(minus / TEST).toBeGreaterThan(0.3);
    tf.dispose([w1, b1, w2, testC, msePred, samples]);
    disposeTree(head);
    optA.dispose();
    opt.dispose();
  });
});
