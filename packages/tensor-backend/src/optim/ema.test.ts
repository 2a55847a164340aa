import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { describeBackends, expectAllClose, expectNoLeak } from '../testing/index.js';
import { Ema } from './ema.js';

describeBackends('Ema', (ctx) => {
  it('after k updates towards fixed weights p, shadow = p + decay^k · (p0 − p)', () => {
    const w = tf.variable(tf.tensor2d([[1, 2], [3, 4]]));
    const ema = new Ema({ layer: { w } }, 0.9);
    w.assign(tf.tensor2d([[0, 0], [1, 1]]));
    for (let k = 0; k < 5; k++) ema.update({ layer: { w } });
    const f = 0.9 ** 5;
    expectAllClose(ema.shadow()['layer/w']!, [f, 2 * f, 1 + 2 * f, 1 + 3 * f], ctx.tol(), 0, 'shadow');
    expectAllClose(w, [0, 0, 1, 1], 0, 0, 'parameters untouched');
    ema.dispose();
    w.dispose();
  });

  it('construction, update, loadShadow and dispose leak no tensors', async () => {
    const w = tf.variable(tf.ones([3, 3]));
    await expectNoLeak(() => new Ema({ w }, 0.99).dispose(), 'Ema construction + dispose');
    const ema = new Ema({ w }, 0.99);
    await expectNoLeak(() => ema.update({ w }), 'Ema.update');
    const saved = tf.zeros([3, 3]);
    await expectNoLeak(() => ema.loadShadow({ w: saved }), 'Ema.loadShadow');
    expectAllClose(ema.shadow().w!, new Array(9).fill(0), 0, 0, 'loaded shadow');
    saved.dispose();
    ema.dispose();
    w.dispose();
  });
});

it('rejects a bad decay and a different tree', async () => {
  const { useBackend } = await import('../backend.js');
  await useBackend('cpu');
  const w = tf.variable(tf.ones([2]));
  expect(() => new Ema({ w }, 1)).toThrow(/Ema: "decay" must be in \[0, 1\), got 1/);
  const ema = new Ema({ w }, 0.5);
  expect(() => ema.update({ v: w })).toThrow(/differs from the one the Ema was built with.*unknown "v"/);
  expect(() => ema.loadShadow({})).toThrow(/missing 1, e.g. "w"/);
  ema.dispose();
  w.dispose();
});
