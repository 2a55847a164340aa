import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Rng } from '../random.js';
import { useBackend } from '../backend.js';
import { expectNoLeak } from '../testing/no-leak.js';
import { evaluateOn, maxRelDiff } from './test-helpers.js';
import { fastTanh } from './fast-tanh.js';

describe('fastTanh', () => {
  it('is within 1.5e-7 of Math.tanh on a dense grid over [-12, 12] and exact at the special values', () => {
    let worst = 0;
    for (let i = -120000; i <= 120000; i++) {
      const x = i / 10000;
      worst = Math.max(worst, Math.abs(fastTanh(x) - Math.tanh(x)));
    }
    expect(worst).toBeLessThan(1.5e-7);
    expect(fastTanh(0)).toBe(0);
    expect(fastTanh(Infinity)).toBe(1);
    expect(fastTanh(-Infinity)).toBe(-1);
    expect(fastTanh(NaN)).toBeNaN();
    expect(fastTanh(1e-30)).toBe(1e-30);
  });

  it('is odd', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 1000; i++) {
      const x = rng.normalScalar() * 4;
      expect(fastTanh(-x)).toBe(-fastTanh(x));
    }
  });
});

describe('Tanh wasm override', () => {
  it('matches cpu forward and backward on random inputs of several scales', async () => {
    const rng = new Rng(11);
    const data = new Float32Array(4000);
    for (let i = 0; i < data.length; i++) data[i] = rng.normalScalar() * (i % 4 === 0 ? 0.1 : i % 4 === 1 ? 1 : i % 4 === 2 ? 4 : 12);
    const args = [{ shape: [40, 100], data }];
    const fn = (x: tf.Tensor): tf.Tensor => tf.tanh(x);
    const ref = await evaluateOn('cpu', fn as never, args, 5);
    const got = await evaluateOn('wasm', fn as never, args, 5);
    expect(maxRelDiff(got.out, ref.out)).toBeLessThan(3e-7);
    expect(maxRelDiff(got.grads[0] as Float32Array, ref.grads[0] as Float32Array)).toBeLessThan(2e-6);
  });

  it('is installed on wasm and leaks no tensors', async () => {
    const info = await useBackend('wasm');
    expect(info.kernelOverrides.some((n) => n.startsWith('Tanh'))).toBe(true);
    await expectNoLeak(() => {
      const x = tf.linspace(-3, 3, 50);
      const [g] = tf.grads((y: tf.Tensor) => tf.tanh(y))([x]);
      tf.dispose([x, g as tf.Tensor]);
      return tf.tidy(() => tf.tanh(tf.ones([3, 4])));
    }, 'Tanh override');
  });
});
