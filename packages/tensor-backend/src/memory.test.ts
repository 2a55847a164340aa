// Memory helpers: tidyData returns what the tensors hold and leaves nothing behind.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from './backend.js';
import { liveTensors, tidyData } from './memory.js';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('tidyData', () => {
  it('returns the values of the tensor the function returns and disposes every tensor it made', async () => {
    const before = liveTensors();
    const a = [1, 2, 3, 4, 5, 6];
    const out = await tidyData(() => tf.matMul(tf.tensor2d(a, [2, 3]), tf.tensor2d(a, [3, 2])));
    // [[1,2,3],[4,5,6]] · [[1,2],[3,4],[5,6]] worked by hand.
    expect(Array.from(out)).toEqual([22, 28, 49, 64]);
    expect(liveTensors()).toBe(before);
  });

  it('returns one array per tensor, in order, with their own dtypes', async () => {
    const before = liveTensors();
    const [values, indices] = await tidyData(() => {
      const top = tf.topk(tf.tensor1d([0.5, 3, -1, 2]), 2);
      return [top.values, top.indices];
    });
    expect(Array.from(values!)).toEqual([3, 2]);
    expect(indices).toBeInstanceOf(Int32Array);
    expect(Array.from(indices!)).toEqual([1, 3]);
    expect(liveTensors()).toBe(before);
  });

  it('disposes the scope when the function throws', async () => {
    const before = liveTensors();
    await expect(
      tidyData(() => {
        tf.ones([4]);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(liveTensors()).toBe(before);
  });
});
