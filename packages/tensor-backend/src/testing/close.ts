import * as tf from '@tensorflow/tfjs-core';

type Numeric = tf.Tensor | ArrayLike<number> | number;

function toArray(x: Numeric): Float64Array {
  if (typeof x === 'number') return Float64Array.of(x);
  if (x instanceof tf.Tensor) {
    if (tf.getBackend() === 'webgpu') {
      throw new Error('expectAllClose / maxAbsDiff: webgpu has no synchronous read; pass the values of `await t.data()` instead of the tensor.');
    }
    return Float64Array.from(x.dataSync() as ArrayLike<number>);
  }
  return Float64Array.from(x);
}

/** Largest |a − b| over all elements (sizes must match). */
export function maxAbsDiff(actual: Numeric, expected: Numeric): number {
  const a = toArray(actual);
  const b = toArray(expected);
  if (a.length !== b.length) throw new Error(`maxAbsDiff: sizes differ (${a.length} vs ${b.length}).`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (Number.isNaN(d)) return Number.NaN;
    if (d > m) m = d;
  }
  return m;
}

/**
 * Throws unless every element satisfies |a − b| ≤ atol + rtol·|b| (NumPy's `allclose`). The message gives the
 * worst element, its index and both values.
 */
export function expectAllClose(actual: Numeric, expected: Numeric, atol: number, rtol = 0, label = 'values'): void {
  const a = toArray(actual);
  const b = toArray(expected);
  if (a.length !== b.length) throw new Error(`${label}: sizes differ (${a.length} vs ${b.length}).`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < a.length; i++) {
    const excess = Math.abs(a[i]! - b[i]!) - (atol + rtol * Math.abs(b[i]!));
    if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) {
      worst = i;
      worstExcess = excess;
      if (Number.isNaN(excess)) break;
    }
  }
  if (worst >= 0) {
    throw new Error(
      `${label}: element ${worst} is ${a[worst]}, expected ${b[worst]} (|diff| ${Math.abs(a[worst]! - b[worst]!)} > atol ${atol} + rtol ${rtol}·|expected|); max |diff| ${maxAbsDiff(a, b)}.`,
    );
  }
}
