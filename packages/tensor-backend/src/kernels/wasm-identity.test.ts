import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../backend.js';
import { expectNoLeak } from '../testing/no-leak.js';

describe('Identity / Cast wasm override', () => {
  it('shares data for identity and same-dtype cast, and frees it once every holder is disposed', async () => {
    await useBackend('wasm');
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const before = backend.numDataIds();
    const x = tf.tensor([1, 2, 3, 4], [2, 2]);
    const c = tf.clone(x);
    const k = tf.cast(x, 'float32');
    expect(backend.numDataIds() - before).toBe(1); // one buffer for all three
    x.dispose();
    expect(Array.from(c.dataSync())).toEqual([1, 2, 3, 4]);
    c.dispose();
    expect(Array.from(k.dataSync())).toEqual([1, 2, 3, 4]);
    k.dispose();
    expect(backend.numDataIds()).toBe(before);
  });

  it('still converts between dtypes and copies strings', async () => {
    await useBackend('wasm');
    const r = tf.tidy(() => {
      const f = tf.tensor([1.7, -2.2, 0]);
      return {
        i: Array.from(tf.cast(f, 'int32').dataSync()),
        b: Array.from(tf.cast(f, 'bool').dataSync()),
        s: tf.clone(tf.tensor(['a', 'b'])).arraySync(),
      };
    });
    expect(r.i).toEqual([1, -2, 0]);
    expect(r.b).toEqual([1, 1, 0]);
    expect(r.s).toEqual(['a', 'b']);
  });

  it('gradients through clone and cast equal the identity; no leaks', async () => {
    await useBackend('wasm');
    await expectNoLeak(() => {
      const x = tf.tensor([1, 2, 3]);
      const [g] = tf.grads((y: tf.Tensor) => tf.mul(tf.cast(tf.clone(y), 'float32'), 3))([x]);
      const values = Array.from((g as tf.Tensor).dataSync());
      tf.dispose([x, g as tf.Tensor]);
      expect(values).toEqual([3, 3, 3]);
      return tf.tidy(() => tf.clone(tf.ones([2])));
    }, 'Identity override');
  });
});
