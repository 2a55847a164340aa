import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Rng } from '../random.js';
import { useBackend } from '../backend.js';
import { expectNoLeak } from '../testing/no-leak.js';
import { NATIVE_BINARY_OPS, NATIVE_UNARY_OPS } from './native-abi.generated.js';
import { evaluateOn, maxRelDiff, randomArgs } from './test-helpers.js';
import { collapseBroadcast } from './native-elementwise.js';

/** float32 machine epsilon: every kernel here is a few roundings per element, so tolerances are small multiples. */
const EPS = 2 ** -23;

/** Positive inputs for the ops that need them. */
const positive = (x: tf.Tensor): tf.Tensor => tf.add(tf.abs(x), 0.5);

const UNARY: [string, (x: tf.Tensor) => tf.Tensor, number][] = [
  ['exp', (x) => tf.exp(x), 8 * EPS],
  ['erf', (x) => tf.erf(x), 8 * EPS],
  ['neg', (x) => tf.neg(x), 0],
  ['square', (x) => tf.square(x), 2 * EPS],
  ['sqrt', (x) => tf.sqrt(positive(x)), 4 * EPS],
  ['rsqrt', (x) => tf.rsqrt(positive(x)), 4 * EPS],
  ['abs', (x) => tf.abs(x), 0],
  ['log', (x) => tf.log(positive(x)), 8 * EPS],
];

/**
 * [name, fn, whether tfjs's gradient reduces over broadcast dimensions]. tfjs's SquaredDifference, Maximum and
 * Minimum gradients do not (on any backend), so those compare gradients on equal shapes only.
 */
const BINARY: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, boolean][] = [
  ['add', (a, b) => tf.add(a, b), true],
  ['sub', (a, b) => tf.sub(a, b), true],
  ['mul', (a, b) => tf.mul(a, b), true],
  ['div', (a, b) => tf.div(a, positive(b)), true],
  ['squaredDifference', (a, b) => tf.squaredDifference(a, b), false],
  ['maximum', (a, b) => tf.maximum(a, b), false],
  ['minimum', (a, b) => tf.minimum(a, b), false],
];

/** Shapes pairs covering equal shapes, scalars, row/column vectors, two-sided broadcasting and odd sizes. */
const BINARY_SHAPES: [number[], number[]][] = [
  [[3, 77], [3, 77]],
  [[1000], [1000]],
  [[5, 7], []],
  [[], [4, 3]],
  [[64, 33], [33]],
  [[64, 33], [64, 1]],
  [[1, 33], [9, 1]],
  [[2, 3, 5, 7], [3, 1, 7]],
  [[4, 1, 6], [1, 5, 1]],
  [[6, 5, 4], [6, 5, 1]],
  [[6, 5, 1], []],
  [[3, 1, 4, 5], [1, 2, 1, 5]],
];

async function compare(fn: (...xs: tf.Tensor[]) => tf.Tensor, shapes: number[][], seed: number, tol: number, grads = true): Promise<void> {
  const args = randomArgs(new Rng(seed), shapes);
  const ref = await evaluateOn('cpu', fn, args, seed + 1000, { grads });
  const got = await evaluateOn('native', fn, args, seed + 1000, { grads });
  expect(got.outShape).toEqual(ref.outShape);
  expect(maxRelDiff(got.out, ref.out)).toBeLessThanOrEqual(tol);
  for (let i = 0; i < got.grads.length; i++) expect(maxRelDiff(got.grads[i] as Float32Array, ref.grads[i] as Float32Array)).toBeLessThanOrEqual(4 * tol + 16 * EPS);
}

describe('native op codes', () => {
  it('are named after the tfjs kernels they compute (the kernel table names them, the overrides register them)', () => {
    const names = [...Object.keys(NATIVE_UNARY_OPS), ...Object.keys(NATIVE_BINARY_OPS)];
    expect(names.map((n) => (tf as unknown as Record<string, unknown>)[n])).toEqual(names);
    expect(Object.values(NATIVE_UNARY_OPS)).toEqual(Object.keys(NATIVE_UNARY_OPS).map((_, i) => i));
    expect(Object.values(NATIVE_BINARY_OPS)).toEqual(Object.keys(NATIVE_BINARY_OPS).map((_, i) => i));
  });
});

describe('native elementwise overrides', () => {
  let seed = 1;
  for (const [name, fn, tol] of UNARY) {
    for (const shape of [[1], [3, 7], [64, 50, 33]]) {
      it(`${name} ${JSON.stringify(shape)} matches cpu, forward and backward`, async () => {
        await compare(fn, [shape], seed++, tol);
      });
    }
  }
  for (const [name, fn, broadcastGrads] of BINARY) {
    for (const [a, b] of BINARY_SHAPES) {
      it(`${name} ${JSON.stringify(a)} ⊕ ${JSON.stringify(b)} matches cpu, forward and backward`, async () => {
        // Gradients through broadcasting are the sums this backend's Sum computes, so they are checked too.
        const grads = broadcastGrads || JSON.stringify(a) === JSON.stringify(b);
        await compare(fn, [a, b], seed++, 4 * EPS, grads);
      });
    }
  }

  const SLICES: [number[], number[], number[]][] = [
    [[10], [3], [5]],
    [[3, 256, 5, 32], [1, 0, 0, 0], [1, 256, 5, 32]],
    [[7, 9, 11], [2, 1, 3], [3, -1, 5]],
    [[4, 6], [0, 2], [4, 3]],
    [[4, 6], [1, 0], [0, 6]],
  ];
  for (const [shape, begin, size] of SLICES) {
    it(`slice ${JSON.stringify(shape)} at ${JSON.stringify(begin)} size ${JSON.stringify(size)} matches cpu, forward and backward`, async () => {
      await compare((x) => tf.slice(x, begin, size), [shape], seed++, 0);
    });
  }

  const SUMS: [number[], number | number[], boolean][] = [
    [[3200, 128], 0, false],
    [[64, 50, 128], [0, 1], false],
    [[64, 50, 128], -1, true],
    [[5, 3, 7], [1, 2], false],
    [[5, 3, 7], 1, false], // middle axis: the stock kernel
    [[1, 1], [0, 1], false],
    [[9, 1000], 0, true],
  ];
  for (const [shape, axis, keepDims] of SUMS) {
    it(`sum ${JSON.stringify(shape)} over ${JSON.stringify(axis)} keepDims=${keepDims} matches cpu, forward and backward`, async () => {
      const n = Array.isArray(axis) ? axis.reduce((p, a) => p * (shape.at(a) as number), 1) : (shape.at(axis) as number);
      // Summation orders differ (the cpu backend adds sequentially): rounding errors grow like n·eps relative to
      // the sum of |x|, which for N(0, 1) values is ~sqrt(n) times the sum itself.
      await compare((x) => tf.sum(x, axis, keepDims), [shape], seed++, 4 * n * EPS);
    });
  }

  // Sizes above the native thread pool's threshold (100 µs of estimated single-thread work): these run on every
  // thread (the shapes above run on one).
  const POOLED: [string, (...xs: tf.Tensor[]) => tf.Tensor, number[][], number][] = [
    ['exp', (x) => tf.exp(x), [[600, 1000]], 8 * EPS],
    ['log', (x) => tf.log(positive(x)), [[100, 1000]], 8 * EPS],
    ['sub of row means', (a, b) => tf.sub(a, b), [[1100, 1000], [1100, 1]], 4 * EPS],
    ['mul by a row', (a, b) => tf.mul(a, b), [[1100, 1000], [1000]], 4 * EPS],
  ];
  for (const [name, fn, shapes, tol] of POOLED) {
    it(`${name} ${JSON.stringify(shapes)} (on the thread pool) matches cpu, forward`, async () => {
      await compare(fn, shapes, seed++, tol, false);
    });
  }
  it('sum [2000, 600] over rows and columns (on the thread pool) matches cpu', async () => {
    await compare((x) => tf.sum(x, -1), [[2000, 600]], seed++, 4 * 600 * EPS, false);
    await compare((x) => tf.sum(x, 0), [[2000, 600]], seed++, 4 * 2000 * EPS, false);
  });

  it('handles empty tensors and leaves int32 to the stock kernels', async () => {
    await useBackend('native');
    tf.tidy(() => {
      expect(tf.add(tf.ones([0, 3]), tf.ones([3])).shape).toEqual([0, 3]);
      expect(tf.exp(tf.ones([2, 0])).shape).toEqual([2, 0]);
      expect(tf.sum(tf.ones([0, 4]), 0).dataSync()).toEqual(new Float32Array(4));
      expect(Array.from(tf.add(tf.tensor1d([1, 2], 'int32'), tf.tensor1d([3, 4], 'int32')).dataSync())).toEqual([4, 6]);
      expect(Array.from(tf.sum(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), 0).dataSync())).toEqual([4, 6]);
    });
  });

  it('leaks no tensors, forward and backward', async () => {
    await useBackend('native');
    await expectNoLeak(() => {
      const a = tf.ones([4, 6]);
      const b = tf.ones([6]);
      const g = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.exp(tf.erf(tf.slice(tf.mul(x, y), [0, 1], [3, 4]))), 1))([a, b]);
      tf.dispose([a, b]);
      return g;
    }, 'native elementwise overrides');
  });
});

describe('collapseBroadcast (the loop shape of the native binary kernel)', () => {
  it('merges dimensions both operands step through alike and drops size-1 ones', () => {
    // Per-row statistics broadcast over a patch: [B, L, D] − [B, L, 1] is one [B·L, D] loop.
    expect(collapseBroadcast([256, 49, 16], [256, 49, 1], [256, 49, 16])).toEqual({ shape: [12544, 16], aStrides: [16, 1], bStrides: [1, 0] });
    // A column of statistics plus a scalar is one flat loop.
    expect(collapseBroadcast([256, 49, 1], [], [256, 49, 1])).toEqual({ shape: [12544], aStrides: [1], bStrides: [0] });
    // Equal shapes are one flat loop.
    expect(collapseBroadcast([2, 3, 4], [2, 3, 4], [2, 3, 4])).toEqual({ shape: [24], aStrides: [1], bStrides: [1] });
  });

  it('keeps dimensions whose broadcasting differs between the operands', () => {
    expect(collapseBroadcast([64, 33], [33], [64, 33])).toEqual({ shape: [64, 33], aStrides: [33, 1], bStrides: [0, 1] });
    expect(collapseBroadcast([4, 1, 6], [1, 5, 1], [4, 5, 6])).toEqual({ shape: [4, 5, 6], aStrides: [6, 0, 1], bStrides: [0, 1, 0] });
    // Each pair of neighbours is broadcast by one operand and stepped by the other: nothing merges.
    expect(collapseBroadcast([3, 1, 4, 5], [1, 2, 1, 5], [3, 2, 4, 5])).toEqual({ shape: [3, 2, 4, 5], aStrides: [20, 0, 5, 1], bStrides: [0, 5, 0, 1] });
  });

  it('returns one dimension for scalars', () => {
    expect(collapseBroadcast([], [], [])).toEqual({ shape: [1], aStrides: [0], bStrides: [0] });
    expect(collapseBroadcast([1, 1], [1], [1, 1])).toEqual({ shape: [1], aStrides: [0], bStrides: [0] });
  });
});
