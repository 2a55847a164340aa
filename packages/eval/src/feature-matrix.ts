/**
 * Features held in memory for the probes: a row-major float32 matrix `[N, C]` (one row per example).
 *
 * @module
 */

/** Row-major features `[rows, dim]`; `data.length === rows · dim`. */
export interface FeatureMatrix {
  /** The values, row-major, `rows · dim` of them. */
  readonly data: Float32Array;
  /** Number of rows (examples). */
  readonly rows: number;
  /** Features per row. */
  readonly dim: number;
}

/** Wraps and checks a row-major Float32Array as a {@link FeatureMatrix}. */
export function featureMatrix(data: Float32Array, rows: number, dim: number, where = 'featureMatrix'): FeatureMatrix {
  if (!Number.isInteger(rows) || !Number.isInteger(dim) || rows < 0 || dim < 1 || data.length !== rows * dim) {
    throw new Error(`${where}: a [${rows}, ${dim}] feature matrix needs ${rows * dim} floats, got ${data.length}.`);
  }
  return { data, rows, dim };
}

/** The rows `indices` of `m`, copied. */
export function selectRows(m: FeatureMatrix, indices: ArrayLike<number>): FeatureMatrix {
  const out = new Float32Array(indices.length * m.dim);
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j]!;
    out.set(m.data.subarray(i * m.dim, (i + 1) * m.dim), j * m.dim);
  }
  return { data: out, rows: indices.length, dim: m.dim };
}

/** `labels[indices]`. */
export function selectLabels(labels: Int32Array, indices: ArrayLike<number>): Int32Array {
  const out = new Int32Array(indices.length);
  for (let j = 0; j < indices.length; j++) out[j] = labels[indices[j]!]!;
  return out;
}

/** Checks that `labels` has one class index in [0, numClasses) per row of `m`. */
export function checkLabels(where: string, m: FeatureMatrix, labels: Int32Array, numClasses: number): void {
  if (labels.length !== m.rows) {
    throw new Error(`${where}: got ${m.rows} feature rows but ${labels.length} labels; pass one label per row.`);
  }
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw new Error(`${where}: numClasses must be an integer ≥ 2, got ${numClasses}.`);
  }
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (y < 0 || y >= numClasses) {
      throw new Error(`${where}: label ${i} is ${y}, outside [0, ${numClasses}); check numClasses or the labels.`);
    }
  }
}
