import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../backend.js';
import { Rng } from '../random.js';
import { toVariable } from '../memory.js';
import { Ema } from '../optim/ema.js';
import { expectNoLeak } from '../testing/no-leak.js';
import { EMA_UPDATE_KERNEL } from './ema-update.js';

const SHAPES: Record<string, number[]> = { w: [33, 7], b: [7], big: [128, 512], s: [], empty: [0, 3] };

/** 3 EMA updates of changing parameters on `backend`; returns the shadow and the kernels of the last update. */
async function run(backend: 'cpu' | 'native'): Promise<{ shadow: Record<string, number[]>; kernels: string[] }> {
  await useBackend(backend);
  const rng = new Rng(2);
  const params: Record<string, tf.Variable> = {};
  for (const [k, shape] of Object.entries(SHAPES)) params[k] = toVariable(tf.tensor(rng.normalArray(tf.util.sizeFromShape(shape)), shape));
  const ema = new Ema(params, 0.9);
  let kernels: string[] = [];
  for (let i = 0; i < 3; i++) {
    for (const [k, p] of Object.entries(params)) p.assign(tf.tidy(() => tf.add(p, tf.tensor(rng.normalArray(p.size), p.shape))));
    kernels = (await tf.profile(() => ema.update(params))).kernelNames;
  }
  const shadow = Object.fromEntries(Object.entries(ema.shadow()).map(([k, v]) => [k, Array.from(v.dataSync())]));
  ema.dispose();
  tf.dispose(Object.values(params));
  return { shadow, kernels };
}

describe('emaUpdate op (one fused kernel on native)', () => {
  it('gives the cpu backend\'s composite EMA bit for bit, in one kernel call per update', async () => {
    const ref = await run('cpu');
    const got = await run('native');
    expect(got.shadow).toEqual(ref.shadow);
    expect(got.kernels).toEqual([EMA_UPDATE_KERNEL]);
  });

  it('does not write a shadow in place while it shares the parameter\'s buffer (right after construction)', async () => {
    await useBackend('native');
    const p = toVariable(tf.fill([4, 4], 1));
    const ema = new Ema({ p }, 0.5);
    p.assign(tf.tidy(() => tf.fill([4, 4], 3)));
    const held = tf.clone(p);
    ema.update({ p });
    expect(Array.from(ema.shadow().p!.dataSync())).toEqual(new Array(16).fill(2));
    expect(Array.from(held.dataSync())).toEqual(new Array(16).fill(3));
    await expectNoLeak(() => ema.update({ p }), 'native Ema.update');
    tf.dispose([held, p]);
    ema.dispose();
  });
});
