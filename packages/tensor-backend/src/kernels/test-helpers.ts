/**
 * Test support for the kernel overrides (used by the colocated tests only): run the same tf function, forward and
 * backward, on the `cpu` backend (stock kernels, the reference) and on the backend with darl's overrides installed,
 * from the same input values.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type BackendName } from '../backend.js';
import { Rng } from '../random.js';
import type { RotaryTables } from '../ops/attention-rope.js';

/** Input values: shape and data per argument. */
export interface ArgSpec {
  readonly shape: number[];
  readonly data: Float32Array;
}

/** Random normal inputs for the given shapes. */
export function randomArgs(rng: Rng, shapes: number[][]): ArgSpec[] {
  return shapes.map((shape) => ({ shape, data: rng.normalArray(shape.reduce((a, b) => a * b, 1)) }));
}

/** Forward output and the gradient of `sum(out · dy)` with respect to every argument, as plain arrays. */
export interface Evaluation {
  readonly out: Float32Array;
  readonly outShape: number[];
  readonly grads: Float32Array[];
}

/** Evaluates `fn` and its gradients on `backend` (selected with `useBackend`, overrides as given). */
export async function evaluateOn(
  backend: BackendName,
  fn: (...xs: tf.Tensor[]) => tf.Tensor,
  args: readonly ArgSpec[],
  dySeed: number,
  opts: { kernelOverrides?: boolean; grads?: boolean } = {},
): Promise<Evaluation> {
  await useBackend(backend, { kernelOverrides: opts.kernelOverrides ?? true });
  const [out, ...grads] = tf.tidy(() => {
    const xs = args.map((a) => tf.tensor(a.data, a.shape, 'float32'));
    const y = fn(...xs);
    if (!(opts.grads ?? true)) return [y];
    const dy = tf.tensor(new Rng(dySeed).normalArray(y.size), y.shape, 'float32');
    return [y, ...tf.grads((...ys: tf.Tensor[]) => fn(...ys))(xs, dy)];
  });
  try {
    // Read with `await data()`, which every backend supports (webgpu has no synchronous read under Node).
    const values = await Promise.all([out!, ...grads].map((t) => t.data()));
    return { out: Float32Array.from(values[0]!), outShape: out!.shape, grads: values.slice(1).map((g) => Float32Array.from(g)) };
  } finally {
    tf.dispose([out!, ...grads]);
  }
}

/** Largest |a - b| relative to max(1, |b|) over two arrays of equal length. */
export function maxRelDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number)) / Math.max(1, Math.abs(b[i] as number));
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/** RoPE table values of `sections` sections for `L` tokens at random angles (any angles: both paths use the same tables). */
export function rotaryTableValues(L: number, dh: number, sections: 1 | 2, seed: number): { cos: Float32Array; sin: Float32Array; swap: Float32Array } {
  const angles = new Rng(seed).normalArray(L * dh);
  const cos = new Float32Array(L * dh);
  const sin = new Float32Array(L * dh);
  const swap = new Float32Array(dh * dh);
  const m = dh / sections;
  for (let s = 0; s < sections; s++) {
    for (let j = 0; j < m / 2; j++) {
      const a = s * m + j;
      const b = a + m / 2;
      swap[a * dh + b] = 1;
      swap[b * dh + a] = 1;
      for (let t = 0; t < L; t++) {
        const angle = 3 * angles[t * dh + a]!;
        cos[t * dh + a] = cos[t * dh + b] = Math.cos(angle);
        sin[t * dh + a] = -Math.sin(angle);
        sin[t * dh + b] = Math.sin(angle);
      }
    }
  }
  return { cos, sin, swap };
}

/** {@link rotaryTableValues} as tensors (the caller disposes them). */
export function rotaryTables(L: number, dh: number, sections: 1 | 2, seed: number): RotaryTables {
  const v = rotaryTableValues(L, dh, sections, seed);
  return { cos: tf.tensor2d(v.cos, [L, dh]), sin: tf.tensor2d(v.sin, [L, dh]), swap: tf.tensor2d(v.swap, [dh, dh]), sections };
}
