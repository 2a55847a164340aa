import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useBackend } from './backend.js';
import { isUserError } from './user-error.js';
import { countDispatches } from './webgpu-dispatches.js';
import { layerNorm } from './ops/layer-norm.js';
import { biasGelu } from './ops/gelu.js';
import { AdamW } from './optim/adamw.js';
import { toVariable } from './memory.js';
import { selectBackend, WEBGPU_ENABLED } from './kernels/webgpu-kernel-check.js';

describe('countDispatches', () => {
  it('is a user error on a backend that is not webgpu', async () => {
    await useBackend('cpu');
    const err = await countDispatches(() => 1).catch((e: unknown) => e);
    expect(isUserError(err)).toBe(true);
    expect(String(err)).toMatch(/active backend is "cpu".*useBackend\('webgpu'\)/);
  });
});

describe.runIf(WEBGPU_ENABLED)('countDispatches [webgpu]', () => {
  it('counts one dispatch per tfjs program, nested counts included, and restores the backend afterwards', async () => {
    await selectBackend('webgpu');
    const a = tf.tensor1d([1, 2, 3]);
    const outer = await countDispatches(async () => {
      const inner = await countDispatches(() => tf.tidy(() => tf.keep(tf.mul(tf.add(a, a), a))));
      expect(inner.dispatches).toBe(2);
      const s = tf.sum(inner.result);
      const values = await s.data();
      tf.dispose([inner.result, s]);
      return values;
    });
    expect(Array.from(outer.result)).toEqual([28]);
    expect(outer.dispatches).toBe(3);
    const backend = tf.backend() as unknown as object;
    expect(Object.prototype.hasOwnProperty.call(backend, 'recordAndSubmit')).toBe(false);
    await expect(countDispatches(() => { throw new Error('inside'); })).rejects.toThrow('inside');
    expect(Object.prototype.hasOwnProperty.call(backend, 'recordAndSubmit')).toBe(false);
    a.dispose();
  });

  it('counts the fused kernels: LayerNorm 1 + 2, bias + GELU 1 + 1 (+ 1 with many rows), AdamW 1 per two parameters', async () => {
    await selectBackend('webgpu');
    const [x, g, b, dy] = [tf.ones([4, 6]), tf.ones([6]), tf.zeros([6]), tf.ones([4, 6])];
    const ln = await countDispatches(() => tf.tidy(() => tf.grads((p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) => layerNorm(p, q, r, 1e-5))([x, g, b], dy).length));
    expect(ln.dispatches).toBe(3);
    const gelu = await countDispatches(() => tf.tidy(() => tf.grads((p: tf.Tensor, q: tf.Tensor) => biasGelu(p, q))([x, b], dy).length));
    expect(gelu.dispatches).toBe(2);
    // With many rows the bias gradient sums chunks of rows, then adds the chunks: one dispatch more.
    const [xs, dys] = [tf.ones([300, 6]), tf.ones([300, 6])];
    const many = await countDispatches(() => tf.tidy(() => tf.grads((p: tf.Tensor, q: tf.Tensor) => biasGelu(p, q))([xs, b], dys).length));
    expect(many.dispatches).toBe(3);
    tf.dispose([xs, dys]);
    const params = { w: toVariable(tf.ones([4, 6])), g: toVariable(tf.ones([6])), b: toVariable(tf.zeros([6])) };
    const opt = new AdamW(params);
    const step = await countDispatches(() => opt.step({ w: dy, g, b }, 0.1));
    expect(step.dispatches).toBe(2);
    opt.dispose();
    tf.dispose([x, g, b, dy, ...Object.values(params)]);
  });
});
