import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { disposeTree, gradientsByPath, Rng, useBackend, type BackendName } from '@darl/tensor-backend';
import { buildDarl, darlLoss, initDarlParams, paramTree } from './darl-model.js';

/**
 * A full DARL training step's loss and gradients (MSE and diffusion objectives) on the native backend equal those on
 * the cpu backend (stock tfjs kernels, the reference), from the same initial parameters, images and noise draws.
 */
const config = {
  image: { height: 8, width: 8, channels: 1 },
  patchSize: 2,
  backbone: { preset: 'tiny' as const, width: 32, depth: 2, heads: 2 },
};

interface StepResult {
  loss: number;
  grads: Record<string, Float32Array>;
}

async function step(backend: BackendName, objective: 'mse' | 'diffusion', kernels?: Set<string>): Promise<StepResult> {
  await useBackend(backend);
  const model = buildDarl({ ...config, objective, ...(objective === 'diffusion' ? { diffusion: { decoder: { width: 32, depth: 1 }, batchMultiplier: 2 } } : {}) });
  const params = initDarlParams(model, { seed: 3 });
  const images = new Rng(4).uniform([5, 8, 8, 1], -1, 1) as tf.Tensor4D;
  try {
    const run = () =>
      gradientsByPath(paramTree(params), () => {
        const r = darlLoss(model, params, images, { rng: new Rng(5), train: true });
        r.perTarget.dispose();
        return r.loss;
      });
    let result: ReturnType<typeof run> | undefined;
    const profile = await tf.profile(() => {
      result = run();
    });
    for (const k of profile.kernelNames) kernels?.add(k);
    const { loss, grads } = result!;
    const out = { loss: loss.dataSync()[0]!, grads: Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, Float32Array.from(g.dataSync() as Float32Array)])) };
    loss.dispose();
    tf.dispose(Object.values(grads));
    return out;
  } finally {
    images.dispose();
    disposeTree(paramTree(params));
  }
}

afterAll(async () => {
  await useBackend('cpu');
});

describe.each(['mse', 'diffusion'] as const)('native vs cpu, one DARL training step (%s)', (objective) => {
  it('gives the same loss and gradients', async () => {
    const ref = await step('cpu', objective);
    const kernels = new Set<string>();
    const got = await step('native', objective, kernels);
    // The native step runs darl's fused kernels (forward and backward), not the composite code.
    for (const k of ['DarlLayerNorm', 'DarlLayerNormGrad', 'DarlBiasGelu', 'DarlBiasGeluGrad']) expect(kernels.has(k), k).toBe(true);
    // Reduction orders differ between backends; a few thousand float32 roundings along the longest chain stay
    // below ~1e-5 relative to the largest gradient of each parameter.
    expect(Math.abs(got.loss - ref.loss)).toBeLessThan(1e-5 * Math.max(1, Math.abs(ref.loss)));
    expect(Object.keys(got.grads).sort()).toEqual(Object.keys(ref.grads).sort());
    for (const [name, r] of Object.entries(ref.grads)) {
      const g = got.grads[name]!;
      let scale = 0;
      let diff = 0;
      for (let i = 0; i < r.length; i++) {
        scale = Math.max(scale, Math.abs(r[i]!));
        diff = Math.max(diff, Math.abs(g[i]! - r[i]!));
      }
      expect(diff, name).toBeLessThanOrEqual(1e-4 * scale + 1e-7);
    }
  });
});
