import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Rng } from '../random.js';
import { useBackend } from '../backend.js';
import { expectNoLeak } from '../testing/no-leak.js';
import { evaluateOn, randomArgs } from './test-helpers.js';
import { permuteArray, simplifyPermutation } from './permute-array.js';

const CASES: [number[], number[]][] = [
  [[5], [0]],
  [[3, 70], [1, 0]],
  [[40, 33], [1, 0]],
  [[4, 6, 5], [0, 2, 1]],
  [[4, 6, 5], [2, 0, 1]],
  [[4, 1, 5], [1, 2, 0]],
  [[2, 3, 4, 5], [0, 2, 1, 3]],
  [[2, 3, 4, 5], [3, 2, 1, 0]],
  [[6, 5, 3, 4, 2], [2, 0, 3, 1, 4]], // attention's qkv split
  [[3, 6, 4, 5, 2], [1, 3, 0, 2, 4]],
  [[2, 1, 3, 1, 4, 2], [5, 3, 1, 4, 0, 2]],
];

describe('Transpose wasm override', () => {
  let seed = 100;
  for (const [shape, perm] of CASES) {
    it(`matches cpu for shape ${shape} perm ${perm}, forward and backward`, async () => {
      const args = randomArgs(new Rng(seed++), [shape]);
      const fn = (x: tf.Tensor): tf.Tensor => tf.mul(tf.transpose(x, perm), 1);
      const ref = await evaluateOn('cpu', fn as never, args, seed);
      const got = await evaluateOn('wasm', fn as never, args, seed);
      expect(got.outShape).toEqual(ref.outShape);
      expect(Array.from(got.out)).toEqual(Array.from(ref.out));
      expect(Array.from(got.grads[0] as Float32Array)).toEqual(Array.from(ref.grads[0] as Float32Array));
    });
  }

  it('transposes int32 and bool tensors', async () => {
    await useBackend('wasm');
    const r = tf.tidy(() => {
      const x = tf.reshape(tf.range(0, 24, 1, 'int32'), [2, 3, 4]);
      const t = tf.transpose(x, [2, 0, 1]);
      const bx = tf.greater(x, 10);
      return { dtype: t.dtype, values: Array.from(t.dataSync()), bools: Array.from(tf.transpose(bx, [1, 2, 0]).dataSync()) };
    });
    expect(r.dtype).toBe('int32');
    const expected: number[] = [];
    for (let k = 0; k < 4; k++) for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) expected.push(i * 12 + j * 4 + k);
    expect(r.values).toEqual(expected);
    const bools: number[] = [];
    for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) for (let i = 0; i < 2; i++) bools.push(i * 12 + j * 4 + k > 10 ? 1 : 0);
    expect(r.bools).toEqual(bools);
  });

  it('leaks no tensors', async () => {
    await useBackend('wasm');
    await expectNoLeak(() => {
      const x = tf.ones([2, 3, 4]);
      const [g] = tf.grads((y: tf.Tensor) => tf.transpose(y, [1, 2, 0]))([x]);
      tf.dispose([x, g as tf.Tensor]);
      return tf.tidy(() => tf.transpose(tf.ones([3, 5])));
    }, 'Transpose override');
  });
});

describe('permuteArray', () => {
  it('simplifies size-1 axes and merges adjacent runs', () => {
    expect(simplifyPermutation([6, 5, 3, 4, 2], [2, 0, 3, 1, 4])).toEqual({ shape: [6, 5, 3, 4, 2], perm: [2, 0, 3, 1, 4] });
    expect(simplifyPermutation([2, 3, 4], [0, 1, 2])).toEqual({ shape: [24], perm: [0] });
    expect(simplifyPermutation([2, 3, 4, 5], [2, 3, 0, 1])).toEqual({ shape: [6, 20], perm: [1, 0] });
    expect(simplifyPermutation([2, 1, 3], [2, 1, 0])).toEqual({ shape: [2, 3], perm: [1, 0] });
  });

  it('equals the definition on a rank-4 example', () => {
    const shape = [3, 4, 2, 5];
    const perm = [3, 1, 0, 2];
    const src = Float32Array.from({ length: 120 }, (_, i) => i);
    const dst = new Float32Array(120);
    permuteArray(src, 0, shape, perm, dst, 0);
    const outShape = perm.map((p) => shape[p] as number);
    let n = 0;
    for (let a = 0; a < (outShape[0] as number); a++)
      for (let b = 0; b < (outShape[1] as number); b++)
        for (let c = 0; c < (outShape[2] as number); c++)
          for (let d = 0; d < (outShape[3] as number); d++) {
            const idx = [0, 0, 0, 0];
            idx[perm[0] as number] = a;
            idx[perm[1] as number] = b;
            idx[perm[2] as number] = c;
            idx[perm[3] as number] = d;
            const flat = ((idx[0] as number) * 4 + (idx[1] as number)) * 10 + (idx[2] as number) * 5 + (idx[3] as number);
            expect(dst[n++]).toBe(flat);
          }
  });
});
