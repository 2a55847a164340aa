/**
 * Token positions: the (row, column) of every token, given by the caller, so that any patch order works and the SOS
 * token has whatever position the caller chooses.
 *
 * @module
 */
import { ShapeError } from '@darl/tensor-backend';

/**
 * One (row, column) per token of a call, shared by every sequence of the batch. Any integers, negative included
 * (e.g. SOS at (−1, −1)). 1-D encodings (`rope1d`, `learned`) ignore these and use the sequence index
 * (0-based, offset by the KV cache length).
 */
export interface TokenPositions {
  readonly rows: Int32Array;
  readonly cols: Int32Array;
}

/**
 * Raster positions of a `gridRows × gridCols` grid, optionally preceded by a start token at `sos`
 * (`[row, col]`, e.g. `[-1, -1]`). A convenience for tests and simple raster models; patch orders
 * from `@darl/patch-data` provide their own.
 */
export function rasterPositions(gridRows: number, gridCols: number, opts: { sos?: readonly [number, number] } = {}): TokenPositions {
  const extra = opts.sos ? 1 : 0;
  const n = gridRows * gridCols + extra;
  const rows = new Int32Array(n);
  const cols = new Int32Array(n);
  if (opts.sos) {
    rows[0] = opts.sos[0];
    cols[0] = opts.sos[1];
  }
  for (let i = 0; i < gridRows * gridCols; i++) {
    rows[i + extra] = Math.floor(i / gridCols);
    cols[i + extra] = i % gridCols;
  }
  return { rows, cols };
}

/** Checks that `positions` holds `length` integer rows and cols; the error names the function. */
export function assertPositions(where: string, positions: TokenPositions | undefined, length: number, why: string): TokenPositions {
  if (positions === undefined) {
    throw new ShapeError(`${where}: "positions" is required ${why}; pass { rows: Int32Array, cols: Int32Array } with one entry per token (${length}).`);
  }
  for (const key of ['rows', 'cols'] as const) {
    const a = positions[key] as ArrayLike<number> | undefined;
    if (a === undefined || typeof a.length !== 'number') {
      throw new ShapeError(`${where}: "positions.${key}" must be an Int32Array of length ${length}, got ${String(a)}.`);
    }
    if (a.length !== length) {
      throw new ShapeError(`${where}: "positions.${key}" must have length L=${length} (one per token of "tokens"), got ${a.length}.`);
    }
    for (let i = 0; i < a.length; i++) {
      if (!Number.isInteger(a[i])) {
        throw new ShapeError(`${where}: "positions.${key}[${i}]" must be an integer, got ${a[i]}.`);
      }
    }
  }
  return positions;
}
