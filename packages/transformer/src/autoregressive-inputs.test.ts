import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { disposeTree, Rng, ShapeError } from '@darl/tensor-backend';
import { describeBackends, expectAllClose, expectNoLeak } from '@darl/tensor-backend/testing';
import { autoregressiveInputs } from './autoregressive-inputs.js';
import { initLinear } from './linear.js';
import { concatPositions, slicePositions } from './positions.js';

it('slices and joins token positions', () => {
  const p = { rows: Int32Array.from([0, 0, 1, 1]), cols: Int32Array.from([0, 1, 0, 1]) };
  expect(slicePositions(p, 1, 3)).toEqual({ rows: Int32Array.from([0, 1]), cols: Int32Array.from([1, 0]) });
  expect(slicePositions(p, 4, 4).rows).toHaveLength(0);
  expect(() => slicePositions(p, 2, 5)).toThrow(/range 2…5 .* within the 4 positions/);
  const joined = concatPositions(p, slicePositions(p, 3, 4));
  expect(Array.from(joined.rows)).toEqual([0, 0, 1, 1, 1]);
  expect(Array.from(joined.cols)).toEqual([0, 1, 0, 1, 1]);
});

describeBackends('autoregressiveInputs', (ctx) => {
  const [B, L, D, C] = [2, 4, 3, 5];

  it('is [SOS, embed(x1) … embed(x(L−1))]: element by element against a plain-JS reference', async () => {
    const x = new Rng(1).normal([B, L, D]) as tf.Tensor3D;
    const sos = new Rng(2).normal([1, 1, C]);
    const embed = initLinear(D, C, { seed: 3 });
    const [xs, s, w, b] = [await x.array(), await sos.data(), (await embed.w.array()) as number[][], await embed.b.data()];
    const ref = (keep: number) =>
      xs.map((seq) => [Array.from(s), ...seq.slice(0, keep).map((v) => Array.from({ length: C }, (_, c) => b[c]! + v.reduce((acc, vi, i) => acc + vi * w[i]![c]!, 0)))]);
    const train = autoregressiveInputs(x, sos, { embed });
    expect(train.shape).toEqual([B, L, C]);
    expectAllClose(await train.data(), ref(L - 1).flat(2), ctx.tol());
    const prompt = autoregressiveInputs(x, sos, { embed, dropLast: false });
    expect(prompt.shape).toEqual([B, L + 1, C]);
    expectAllClose(await prompt.data(), ref(L).flat(2), ctx.tol());
    tf.dispose([x, sos, train, prompt]);
    disposeTree(embed);
  });

  it('shifts already-embedded tokens, gives SOS alone for an empty prompt, and checks shapes', async () => {
    const x = tf.reshape(tf.range(1, 1 + B * L * C), [B, L, C]) as tf.Tensor3D;
    const sos = tf.zeros([1, 1, C]);
    const shifted = autoregressiveInputs(x, sos);
    expect((await shifted.array())[1]!.map((t) => t[0])).toEqual([0, 21, 26, 31]);
    const alone = autoregressiveInputs(tf.zeros([B, 0, C]) as tf.Tensor3D, sos, { dropLast: false });
    expect(alone.shape).toEqual([B, 1, C]);
    expect(() => autoregressiveInputs(x, tf.zeros([1, 1, 4]))).toThrow(ShapeError);
    expect(() => autoregressiveInputs(tf.zeros([B, 0, C]) as tf.Tensor3D, sos)).toThrow(/nothing to drop/);
    tf.dispose([x, sos, shifted, alone]);
  });

  it('leaks nothing, gradient included', async () => {
    const x = new Rng(1).normal([B, L, D]) as tf.Tensor3D;
    const sos = tf.variable(tf.zeros([1, 1, C]));
    const embed = initLinear(D, C, { seed: 3 });
    await expectNoLeak(() => autoregressiveInputs(x, sos, { embed }), 'autoregressiveInputs');
    await expectNoLeak(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(autoregressiveInputs(x, sos, { embed })) as tf.Scalar);
      return [value, grads];
    }, 'its gradient');
    disposeTree([x, sos, embed]);
  });
});
