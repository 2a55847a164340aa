/**
 * Shape assertions for public tensor entry points. Errors name the argument and show both shapes.
 *
 * @module
 */
import { UserError } from './user-error.js';

/** One expected dimension: a number (exact), a letter or word (symbolic, bound on first use), or `null` (any). */
export type Dim = number | string | null;

/** Bindings of symbolic dimensions, shared across several {@link assertShape} calls of one entry point. */
export type DimBindings = Record<string, number>;

/** Raised for a tensor whose shape does not match what a function expects. */
export class ShapeError extends UserError {
  /** The error's class name, `'ShapeError'`. */
  override readonly name = 'ShapeError';
}

function formatExpected(expected: readonly Dim[], dims: DimBindings): string {
  return `[${expected
    .map((d) => (d === null ? '*' : typeof d === 'number' ? String(d) : d in dims ? `${d}=${dims[d]}` : d))
    .join(', ')}]`;
}

/**
 * Checks that `shape` matches `expected`, binding symbolic dimensions in `dims` (mutated) so that later calls see
 * them. Throws a {@link ShapeError} such as
 * `applyTransformer: "tokens" must have shape [B, L, D=128], got [2, 49, 64]`.
 *
 * @param where the function being called, e.g. `"applyTransformer"`
 * @param name the argument, e.g. `"tokens"`
 * @param shape the actual shape (a tensor's `.shape`)
 */
export function assertShape(
  where: string,
  name: string,
  shape: readonly number[],
  expected: readonly Dim[],
  dims: DimBindings = {},
): DimBindings {
  const fail = (why: string): never => {
    throw new ShapeError(
      `${where}: "${name}" must have shape ${formatExpected(expected, dims)}, got [${shape.join(', ')}]${why ? ` (${why})` : ''}.`,
    );
  };
  if (shape.length !== expected.length) fail(`rank ${shape.length} instead of ${expected.length}`);
  const bound: DimBindings = {};
  expected.forEach((e, i) => {
    const actual = shape[i]!;
    if (e === null) return;
    if (typeof e === 'number') {
      if (actual !== e) fail(`dimension ${i} is ${actual}, expected ${e}`);
      return;
    }
    const known = dims[e] ?? bound[e];
    if (known === undefined) bound[e] = actual;
    else if (known !== actual) fail(`${e} is ${known} elsewhere but dimension ${i} is ${actual}`);
  });
  Object.assign(dims, bound);
  return dims;
}

/** Checks the rank only: `assertRank('patchify', 'images', x.shape, 4)`. */
export function assertRank(where: string, name: string, shape: readonly number[], rank: number): void {
  if (shape.length !== rank) {
    throw new ShapeError(`${where}: "${name}" must be of rank ${rank}, got shape [${shape.join(', ')}] (rank ${shape.length}).`);
  }
}

/** Product of the dimensions. */
export function sizeFromShape(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
