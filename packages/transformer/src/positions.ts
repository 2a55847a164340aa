/**
 * Token positions: the (row, column) of every token, given by the caller, so that any patch order works.
 *
 * The convention of an autoregressive image model (darl's): the input is `[SOS, p1 … p(L−1)]` and input token `t`
 * carries the grid position of the patch it predicts, `p(t+1)` — SOS has the position of the first patch. So the
 * positions of an `L`-token input are the positions of the `L` patches in sequence order, every patch order is
 * well-posed, and no token needs an off-grid position.
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
  /** Row of each token `[L]`. */
  readonly rows: Int32Array;
  /** Column of each token `[L]`. */
  readonly cols: Int32Array;
}

/**
 * Raster positions of a `gridRows × gridCols` grid (row by row): by the convention above, the positions of the
 * input `[SOS, p1 … p(L−1)]` of a raster-order model. Patch orders from `@darl/patch-data` provide their own.
 */
export function rasterPositions(gridRows: number, gridCols: number): TokenPositions {
  const n = gridRows * gridCols;
  const rows = new Int32Array(n);
  const cols = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    rows[i] = Math.floor(i / gridCols);
    cols[i] = i % gridCols;
  }
  return { rows, cols };
}

/**
 * The positions of tokens `start … end−1` of a sequence (end exclusive, like `Array.prototype.slice`): what one
 * chunk of a KV-cache decode carries. Copies; the input is unchanged.
 *
 * @example
 * applyTransformer(params, config, token, { positions: slicePositions(all, t, t + 1), attention: 'causal', cache });
 */
export function slicePositions(positions: TokenPositions, start: number, end: number): TokenPositions {
  const n = positions.rows.length;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > n) {
    throw new ShapeError(`slicePositions: the range ${start}…${end} (end exclusive) must lie within the ${n} positions given.`);
  }
  return { rows: positions.rows.slice(start, end), cols: positions.cols.slice(start, end) };
}

/** The positions of `first` followed by those of `second` (e.g. a training sequence extended by one readout token). */
export function concatPositions(first: TokenPositions, second: TokenPositions): TokenPositions {
  const join = (a: Int32Array, b: Int32Array) => {
    const out = new Int32Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
  };
  return { rows: join(first.rows, second.rows), cols: join(first.cols, second.cols) };
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
