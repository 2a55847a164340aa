/**
 * Patch orders: which grid patch comes at which sequence position.
 *
 * A {@link PatchOrder} over a `rows × cols` patch grid holds `permutation[s]` = the raster index (`r·cols + c`)
 * of the patch at sequence position `s`, its exact inverse (`inverse[permutation[s]] = s`), and the grid
 * (row, column) of every sequence position for the position encoding.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertRank, Rng, ShapeError, UserError } from '@darl/tensor-backend';

/** A bijection between sequence positions and the patches of a `rows × cols` grid. */
export interface PatchOrder {
  /** `"raster"`, `"nested-raster-<k>"`, `"random-<seed>"` or `"custom"`. */
  readonly name: string;
  /** Grid rows `h`. */
  readonly rows: number;
  /** Grid columns `w`. */
  readonly cols: number;
  /** Sequence position → raster index, length `h·w`. */
  readonly permutation: Int32Array;
  /** Raster index → sequence position, length `h·w`. */
  readonly inverse: Int32Array;
  /** Grid row and column of the patch at each sequence position. */
  readonly positions: {
    /** Grid row of the patch at each sequence position `[L]`. */
    readonly rows: Int32Array;
    /** Grid column of the patch at each sequence position `[L]`. */
    readonly cols: Int32Array;
  };
}

function checkGrid(where: string, rows: number, cols: number): void {
  if (!Number.isInteger(rows) || rows <= 0 || !Number.isInteger(cols) || cols <= 0) {
    throw new UserError(`${where}: the patch grid must be positive integers rows × cols, got ${rows} × ${cols}.`);
  }
}

function makeOrder(name: string, rows: number, cols: number, permutation: Int32Array): PatchOrder {
  const n = rows * cols;
  const inverse = new Int32Array(n);
  const posRows = new Int32Array(n);
  const posCols = new Int32Array(n);
  for (let s = 0; s < n; s++) {
    const r = permutation[s]!;
    inverse[r] = s;
    posRows[s] = Math.floor(r / cols);
    posCols[s] = r % cols;
  }
  return { name, rows, cols, permutation, inverse, positions: { rows: posRows, cols: posCols } };
}

/** Row by row, left to right: the identity permutation. */
export function rasterOrder(gridRows: number, gridCols: number): PatchOrder {
  checkGrid('rasterOrder', gridRows, gridCols);
  const perm = new Int32Array(gridRows * gridCols);
  for (let i = 0; i < perm.length; i++) perm[i] = i;
  return makeOrder('raster', gridRows, gridCols, perm);
}

/**
 * Nested raster: the grid is tiled by `block × block` blocks of patches; blocks are visited in raster order and the
 * patches inside each block in raster order. Blocks on the right or bottom edge are cut short when `block` does not
 * divide the grid. `block = 1` (or a block covering the grid) is the plain raster order.
 */
export function nestedRasterOrder(gridRows: number, gridCols: number, block: number): PatchOrder {
  checkGrid('nestedRasterOrder', gridRows, gridCols);
  if (!Number.isInteger(block) || block <= 0) {
    throw new UserError(`nestedRasterOrder: block must be a positive integer, got ${block}.`);
  }
  const perm = new Int32Array(gridRows * gridCols);
  let s = 0;
  for (let br = 0; br < gridRows; br += block) {
    for (let bc = 0; bc < gridCols; bc += block) {
      for (let r = br; r < Math.min(br + block, gridRows); r++) {
        for (let c = bc; c < Math.min(bc + block, gridCols); c++) perm[s++] = r * gridCols + c;
      }
    }
  }
  return makeOrder(`nested-raster-${block}`, gridRows, gridCols, perm);
}

/** A fixed random permutation, drawn from `new Rng(seed).permutation(rows·cols)`: same seed, same order. */
export function randomOrder(gridRows: number, gridCols: number, seed: number | string): PatchOrder {
  checkGrid('randomOrder', gridRows, gridCols);
  return makeOrder(`random-${seed}`, gridRows, gridCols, new Rng(seed).permutation(gridRows * gridCols));
}

/**
 * A user-given order: `permutation[s]` is the raster index of the patch at sequence position `s`. Validated to be
 * a permutation of `0 … rows·cols − 1`.
 */
export function customOrder(gridRows: number, gridCols: number, permutation: ArrayLike<number>): PatchOrder {
  checkGrid('customOrder', gridRows, gridCols);
  const n = gridRows * gridCols;
  if (permutation.length !== n) {
    throw new UserError(
      `customOrder: the permutation must list each of the ${n} patches of a ${gridRows}×${gridCols} grid once, got ${permutation.length} entries.`,
    );
  }
  const seen = new Int32Array(n).fill(-1);
  const perm = new Int32Array(n);
  for (let s = 0; s < n; s++) {
    const v = permutation[s]!;
    if (!Number.isInteger(v) || v < 0 || v >= n) {
      throw new UserError(`customOrder: entry ${s} is ${v}; entries must be integers in [0, ${n}).`);
    }
    if (seen[v] !== -1) {
      throw new UserError(`customOrder: patch ${v} appears at positions ${seen[v]} and ${s}; each patch must appear exactly once.`);
    }
    seen[v] = s;
    perm[s] = v;
  }
  return makeOrder('custom', gridRows, gridCols, perm);
}

function checkPatches(where: string, patches: tf.Tensor, order: PatchOrder): void {
  assertRank(where, 'patches', patches.shape, 3);
  const n = order.rows * order.cols;
  if (patches.shape[1] !== n) {
    throw new ShapeError(
      `${where}: "patches" must have shape [B, L=${n}, D] for the ${order.rows}×${order.cols} order "${order.name}", got [${patches.shape.join(', ')}].`,
    );
  }
}

/**
 * Reorders raster-ordered patches into the sequence order: `out[:, s] = patches[:, order.permutation[s]]`.
 *
 * @param patches `[B, L, D]` in raster order
 * @returns `[B, L, D]` in sequence order; the caller owns it
 */
export function orderPatches(patches: tf.Tensor3D, order: PatchOrder): tf.Tensor3D {
  checkPatches('orderPatches', patches, order);
  return tf.tidy(() => tf.gather(patches, tf.tensor1d(order.permutation, 'int32'), 1));
}

/**
 * Inverse of {@link orderPatches}: `out[:, order.permutation[s]] = patches[:, s]`.
 *
 * @param patches `[B, L, D]` in sequence order
 * @returns `[B, L, D]` in raster order; the caller owns it
 */
export function unorderPatches(patches: tf.Tensor3D, order: PatchOrder): tf.Tensor3D {
  checkPatches('unorderPatches', patches, order);
  return tf.tidy(() => tf.gather(patches, tf.tensor1d(order.inverse, 'int32'), 1));
}
