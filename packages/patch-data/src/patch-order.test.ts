import * as tf from '@tensorflow/tfjs-core';
import { describe, it, expect } from 'vitest';
import { describeBackends, expectAllClose, expectNoLeak } from '@darl/tensor-backend/testing';
import { customOrder, nestedRasterOrder, orderPatches, randomOrder, rasterOrder, unorderPatches, type PatchOrder } from './patch-order.js';

function checkBijection(order: PatchOrder): void {
  const n = order.rows * order.cols;
  expect(order.permutation.length).toBe(n);
  expect([...order.permutation].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
  for (let s = 0; s < n; s++) {
    expect(order.inverse[order.permutation[s]!]).toBe(s);
    expect(order.positions.rows[s]! * order.cols + order.positions.cols[s]!).toBe(order.permutation[s]);
  }
}

describe('patch orders', () => {
  it('raster is the identity with row-major positions', () => {
    const o = rasterOrder(2, 3);
    expect([...o.permutation]).toEqual([0, 1, 2, 3, 4, 5]);
    expect([...o.positions.rows]).toEqual([0, 0, 0, 1, 1, 1]);
    expect([...o.positions.cols]).toEqual([0, 1, 2, 0, 1, 2]);
    checkBijection(o);
  });

  it('nested raster visits k×k blocks in raster order, patches in raster order inside', () => {
    const o = nestedRasterOrder(4, 4, 2);
    expect([...o.permutation]).toEqual([0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15]);
    expect(o.name).toBe('nested-raster-2');
    checkBijection(o);
    // Edge blocks are cut short when the block does not divide the grid.
    const e = nestedRasterOrder(3, 5, 2);
    expect([...e.permutation]).toEqual([0, 1, 5, 6, 2, 3, 7, 8, 4, 9, 10, 11, 12, 13, 14]);
    checkBijection(e);
    expect([...nestedRasterOrder(3, 4, 1).permutation]).toEqual([...rasterOrder(3, 4).permutation]);
  });

  it('random order is a seeded, reproducible permutation', () => {
    const a = randomOrder(7, 7, 3);
    const b = randomOrder(7, 7, 3);
    const c = randomOrder(7, 7, 4);
    expect([...a.permutation]).toEqual([...b.permutation]);
    expect([...a.permutation]).not.toEqual([...c.permutation]);
    expect([...a.permutation]).not.toEqual([...rasterOrder(7, 7).permutation]);
    checkBijection(a);
  });

  it('custom order is validated', () => {
    checkBijection(customOrder(2, 2, [3, 1, 0, 2]));
    expect(() => customOrder(2, 2, [0, 1, 2])).toThrow(/each of the 4 patches of a 2×2 grid once, got 3 entries/);
    expect(() => customOrder(2, 2, [0, 1, 1, 3])).toThrow(/patch 1 appears at positions 1 and 2/);
    expect(() => customOrder(2, 2, [0, 1, 2, 4])).toThrow(/entry 3 is 4; entries must be integers in \[0, 4\)/);
    expect(() => customOrder(2, 2, [0, 1, 2, 2.5])).toThrow(/entry 3 is 2.5/);
    expect(() => rasterOrder(0, 3)).toThrow(/positive integers/);
    expect(() => nestedRasterOrder(2, 2, 0)).toThrow(/block must be a positive integer/);
  });
});

describeBackends('orderPatches / unorderPatches', () => {
  const orders = [rasterOrder(3, 4), nestedRasterOrder(3, 4, 2), randomOrder(3, 4, 11), customOrder(3, 4, [11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0])];

  it('moves patch permutation[s] to position s and inverts exactly', () => {
    const b = 2;
    const d = 3;
    const vals = Array.from({ length: b * 12 * d }, (_, i) => i);
    const x = tf.tensor3d(vals, [b, 12, d]);
    for (const o of orders) {
      const ordered = orderPatches(x, o);
      const data = ordered.arraySync();
      for (let i = 0; i < b; i++) for (let s = 0; s < 12; s++) for (let k = 0; k < d; k++) {
        expect(data[i]![s]![k]).toBe(vals[(i * 12 + o.permutation[s]!) * d + k]);
      }
      const back = unorderPatches(ordered, o);
      expectAllClose(back, x, 0, 0, `roundtrip ${o.name}`);
      tf.dispose([ordered, back]);
    }
    x.dispose();
  });

  it('rejects a sequence length that does not match the order', () => {
    const x = tf.zeros([1, 10, 3]) as tf.Tensor3D;
    expect(() => orderPatches(x, rasterOrder(3, 4))).toThrow(/orderPatches: "patches" must have shape \[B, L=12, D\].*got \[1, 10, 3\]/);
    x.dispose();
  });

  it('does not leak tensors', async () => {
    const x = tf.ones([2, 12, 5]) as tf.Tensor3D;
    await expectNoLeak(() => orderPatches(x, orders[2]!), 'orderPatches');
    await expectNoLeak(() => unorderPatches(x, orders[2]!), 'unorderPatches');
    x.dispose();
  });
});
