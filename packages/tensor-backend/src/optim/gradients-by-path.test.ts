import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { describeBackends, expectAllClose, expectNoLeak } from '../testing/index.js';
import { disposeTree, type TensorTree } from '../memory.js';
import { gradientsByPath } from './gradients-by-path.js';

describeBackends('gradientsByPath', (ctx) => {
  it('returns the loss and analytic gradients keyed by tree path; unused variables get none', () => {
    const a = tf.variable(tf.tensor1d([1, 2]));
    const b = tf.variable(tf.tensor2d([[3], [4]]));
    const unused = tf.variable(tf.zeros([2]));
    const params: TensorTree<tf.Variable> = { blocks: [{ a }, { b }], extra: unused };
    // loss = Σ a² + 3·Σ b  → ∂/∂a = 2a, ∂/∂b = 3
    const { loss, grads } = gradientsByPath(params, () => tf.add(tf.sum(tf.square(a)), tf.mul(tf.sum(b), 3)) as tf.Scalar);
    expect(loss.dataSync()[0]).toBeCloseTo(5 + 21, 5);
    expect(Object.keys(grads).sort()).toEqual(['blocks/0/a', 'blocks/1/b']);
    expectAllClose(grads['blocks/0/a']!, [2, 4], ctx.tol(), 0, 'd/da');
    expectAllClose(grads['blocks/1/b']!, [3, 3], ctx.tol(), 0, 'd/db');
    expect(grads['blocks/1/b']!.shape).toEqual([2, 1]);
    loss.dispose();
    disposeTree(grads);
    disposeTree(params);
  });

  it('leaks no tensors', async () => {
    const w = tf.variable(tf.ones([3, 3]));
    await expectNoLeak(() => {
      const { loss, grads } = gradientsByPath({ w }, () => tf.sum(tf.tanh(tf.matMul(w, w))));
      return [loss, grads] as never;
    }, 'gradientsByPath');
    w.dispose();
  });
});

it('rejects plain tensors and a variable listed twice', async () => {
  const { useBackend } = await import('../backend.js');
  await useBackend('cpu');
  const w = tf.variable(tf.ones([2]));
  const t = tf.ones([2]);
  expect(() => gradientsByPath({ t: t as tf.Variable }, () => tf.sum(t))).toThrow(/"t" is a plain tensor/);
  expect(() => gradientsByPath({ a: w, b: w }, () => tf.sum(w))).toThrow(/"a" and "b" are the same variable/);
  w.dispose();
  t.dispose();
});
