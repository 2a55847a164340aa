import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Rng } from '../random.js';
import { AdamW } from '../optim/adamw.js';
import { toVariable } from '../memory.js';
import { hasKernel } from '../ops/has-kernel.js';
import { ADAMW_KERNEL } from '../ops/adamw-update.js';
import { maxRelDiff } from './test-helpers.js';
import { countKernelCalls, selectBackend, WEBGPU_ENABLED } from './webgpu-kernel-check.js';

const EPS = 2 ** -23;

/** Parameter shapes: matrices (decayed), vectors (not), a scalar, an empty one and odd sizes. */
const SHAPES: Record<string, number[]> = { 'a/w': [33, 7], 'a/bias': [7], 'b/w': [3, 128], 'b/norm': [128], s: [], empty: [0, 4], odd: [1, 3, 5], one: [1] };

/** Runs 4 AdamW steps with fixed gradients on `backend`; returns every parameter and moment, and the fused calls. */
async function run(backend: 'cpu' | 'webgpu', weightDecay: number): Promise<{ values: Record<string, Float32Array>; calls: number }> {
  await selectBackend(backend);
  const rng = new Rng(5);
  const params: Record<string, tf.Variable> = {};
  for (const [path, shape] of Object.entries(SHAPES)) params[path] = toVariable(tf.tensor(rng.normalArray(tf.util.sizeFromShape(shape)), shape));
  const opt = new AdamW(params, { weightDecay, lrScale: (p) => (p.startsWith('b/') ? 0.5 : 1) });
  let calls = 0;
  for (let step = 0; step < 4; step++) {
    const grads: Record<string, tf.Tensor> = {};
    for (const [path, shape] of Object.entries(SHAPES)) {
      // One parameter gets no gradient in step 1 (it must then stay as it is).
      if (!(path === 'a/bias' && step === 1)) grads[path] = tf.tensor(rng.normalArray(tf.util.sizeFromShape(shape)), shape);
    }
    calls += (await countKernelCalls(ADAMW_KERNEL, () => opt.step(grads, 1e-2 * (step + 1)))).calls;
    tf.dispose(Object.values(grads));
  }
  const values: Record<string, Float32Array> = {};
  for (const [path, p] of Object.entries(params)) values[path] = (await p.data()) as Float32Array;
  for (const [key, t] of Object.entries(opt.stateTensors())) {
    values[key] = (await t.data()) as Float32Array;
    t.dispose();
  }
  opt.dispose();
  tf.dispose(Object.values(params));
  return { values, calls };
}

describe.runIf(WEBGPU_ENABLED)('webgpu fused AdamW (DarlAdamW, in place) [webgpu]', () => {
  it('is registered with the overrides and removed without them', async () => {
    await selectBackend('webgpu', false);
    expect(hasKernel(ADAMW_KERNEL)).toBe(false);
    await selectBackend('webgpu');
    expect(hasKernel(ADAMW_KERNEL)).toBe(true);
  });

  for (const weightDecay of [0.1, 0]) {
    it(`matches the cpu composite update, parameters and moments (weight decay ${weightDecay})`, async () => {
      const ref = await run('cpu', weightDecay);
      const got = await run('webgpu', weightDecay);
      expect(ref.calls).toBe(0);
      // One fused call per step for all parameters.
      expect(got.calls).toBe(4);
      expect(Object.keys(got.values)).toEqual(Object.keys(ref.values));
      // The same float32 operations in the same order; WGSL allows division 2.5 ulp and sqrt (via inverseSqrt) a few
      // ulp off, so not bit for bit in general (on SwiftShader it is): 8 ulp of max(1, |value|) per step, 4 steps.
      for (const key of Object.keys(ref.values)) expect(maxRelDiff(got.values[key]!, ref.values[key]!), key).toBeLessThanOrEqual(32 * EPS);
    });
  }

  it('writes the variables in place, and leaves a parameter whose buffer is shared to the composite code', async () => {
    await selectBackend('webgpu');
    const params = { w: toVariable(tf.fill([4, 3], 0.5)), b: toVariable(tf.fill([3], -1)) };
    const opt = new AdamW(params);
    const grads = { w: tf.fill([4, 3], 0.25), b: tf.fill([3], 2) };
    const ids = [params.w.dataId, params.b.dataId];
    // Reading caches the values on the CPU; the in-place update must not leave that copy behind.
    const b0 = Array.from(await params.b.data());
    opt.step(grads, 0.1);
    expect([params.w.dataId, params.b.dataId]).toEqual(ids);
    const b1 = Array.from(await params.b.data());
    expect(b1).not.toEqual(b0);
    // A clone shares w's buffer: writing w in place would change it too, so w takes the composite path.
    const held = tf.clone(params.w);
    const before = Array.from(await held.data());
    const { calls } = await countKernelCalls(ADAMW_KERNEL, () => opt.step(grads, 0.1));
    expect(calls).toBe(1);
    expect(Array.from(await held.data())).toEqual(before);
    expect(Array.from(await params.w.data())).not.toEqual(before);
    expect(params.w.dataId).not.toBe(ids[0]);
    expect(params.b.dataId).toBe(ids[1]);
    expect(Array.from(await params.b.data())).not.toEqual(b1);
    tf.dispose([held, grads.w, grads.b, params.w, params.b]);
    opt.dispose();
  });

  it("only compiles under tfjs's compile-only pass (WEBGPU_ENGINE_COMPILE_ONLY), leaving the variables as they are", async () => {
    await selectBackend('webgpu');
    const params = { w: toVariable(tf.fill([4, 3], 0.5)), b: toVariable(tf.fill([3], -1)) };
    const opt = new AdamW(params);
    const grads = { w: tf.fill([4, 3], 0.25), b: tf.fill([3], 2) };
    const before = [Array.from(await params.w.data()), Array.from(await params.b.data())];
    tf.env().set('WEBGPU_ENGINE_COMPILE_ONLY', true);
    try {
      expect((await countKernelCalls(ADAMW_KERNEL, () => opt.step(grads, 0.1))).calls).toBe(1);
    } finally {
      tf.env().set('WEBGPU_ENGINE_COMPILE_ONLY', false);
    }
    expect([Array.from(await params.w.data()), Array.from(await params.b.data())]).toEqual(before);
    tf.dispose([grads.w, grads.b, params.w, params.b]);
    opt.dispose();
  });

  it('leaks no tensors', async () => {
    await selectBackend('webgpu');
    const params = { w: toVariable(tf.ones([5, 2])) };
    const opt = new AdamW(params);
    const g = { w: tf.ones([5, 2]) };
    const before = tf.memory().numTensors;
    opt.step(g, 0.1);
    await params.w.data();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([g.w, params.w]);
    opt.dispose();
  });
});
