import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../backend.js';
import { Rng } from '../random.js';
import { AdamW } from '../optim/adamw.js';
import { toVariable } from '../memory.js';
import { expectNoLeak } from '../testing/no-leak.js';
import { ADAMW_KERNEL } from './adamw-update.js';

/** Parameter shapes: matrices (decayed), vectors (not), a scalar, an empty one and an odd size. */
const SHAPES: Record<string, number[]> = { 'a/w': [33, 7], 'a/bias': [7], 'b/w': [128, 512], 'b/norm': [512], s: [], empty: [0, 4], odd: [1, 3, 5] };

/** Runs 4 AdamW steps with fixed gradients on `backend`; returns every parameter and moment afterwards. */
async function run(backend: 'cpu' | 'native'): Promise<Record<string, Float32Array>> {
  await useBackend(backend);
  const rng = new Rng(5);
  const params: Record<string, tf.Variable> = {};
  for (const [path, shape] of Object.entries(SHAPES)) params[path] = toVariable(tf.tensor(rng.normalArray(tf.util.sizeFromShape(shape)), shape));
  const opt = new AdamW(params, { weightDecay: 0.1, lrScale: (p) => (p.startsWith('b/') ? 0.5 : 1) });
  for (let step = 0; step < 4; step++) {
    const grads: Record<string, tf.Tensor> = {};
    for (const [path, shape] of Object.entries(SHAPES)) {
      // One parameter gets no gradient in step 1 (it must then stay as it is).
      if (!(path === 'a/bias' && step === 1)) grads[path] = tf.tensor(rng.normalArray(tf.util.sizeFromShape(shape)), shape);
    }
    const profile = await tf.profile(() => opt.step(grads, 1e-2 * (step + 1)));
    // On native every parameter owns its buffer, so the whole step is the one fused kernel.
    if (backend === 'native') expect(profile.kernelNames).toEqual([ADAMW_KERNEL]);
    tf.dispose(Object.values(grads));
  }
  const out: Record<string, Float32Array> = {};
  for (const [path, p] of Object.entries(params)) out[path] = p.dataSync() as Float32Array;
  for (const [key, t] of Object.entries(opt.stateTensors())) {
    out[key] = t.dataSync() as Float32Array;
    t.dispose();
  }
  opt.dispose();
  tf.dispose(Object.values(params));
  return out;
}

describe('adamwUpdate op (one fused kernel on native)', () => {
  it('gives the cpu backend\'s composite update bit for bit, parameters and moments', async () => {
    const ref = await run('cpu');
    const got = await run('native');
    expect(Object.keys(got)).toEqual(Object.keys(ref));
    for (const key of Object.keys(ref)) expect(Array.from(got[key]!), key).toEqual(Array.from(ref[key]!));
  });

  it('updates all parameters in one kernel call, and falls back for a parameter whose buffer is shared', async () => {
    await useBackend('native');
    const params = { w: toVariable(tf.fill([4, 3], 0.5)), b: toVariable(tf.fill([3], -1)) };
    const opt = new AdamW(params);
    const grads = { w: tf.fill([4, 3], 0.25), b: tf.fill([3], 2) };
    const profile = await tf.profile(() => opt.step(grads, 0.1));
    expect(profile.kernelNames).toEqual([ADAMW_KERNEL]);
    // A clone shares w's buffer: writing w in place would change it too, so w takes the composite path.
    const held = tf.clone(params.w);
    const before = Array.from(held.dataSync());
    const second = await tf.profile(() => opt.step(grads, 0.1));
    expect(second.kernelNames).toContain(ADAMW_KERNEL);
    expect(second.kernelNames.length).toBeGreaterThan(1);
    expect(Array.from(held.dataSync())).toEqual(before);
    expect(Array.from(params.w.dataSync())).not.toEqual(before);
    tf.dispose([held, grads.w, grads.b, params.w, params.b]);
    opt.dispose();
  });

  it('leaks no tensors', async () => {
    await useBackend('native');
    const params = { w: toVariable(tf.ones([5, 2])) };
    const opt = new AdamW(params);
    const g = { w: tf.ones([5, 2]) };
    await expectNoLeak(() => opt.step(g, 0.1), 'native AdamW step');
    tf.dispose([g.w, params.w]);
    opt.dispose();
  });
});
