/**
 * Memory helpers: trees of tensors (parameters, gradients, optimiser slots) are plain nested objects whose leaves are
 * tensors. These helpers walk, count and dispose them.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';

/** A nested record of tensors, e.g. model parameters `{ blocks: [{ attn: { wq: Tensor } }] }`. */
export type TensorTree<T extends tf.Tensor = tf.Tensor> = T | readonly TensorTree<T>[] | { readonly [key: string]: TensorTree<T> };

function isTensor(x: unknown): x is tf.Tensor {
  // tf.Tensor defines Symbol.hasInstance to work across copies of tfjs-core; keep a structural check as well.
  return x instanceof tf.Tensor || (typeof x === 'object' && x !== null && 'dataId' in x && 'shape' in x && 'dtype' in x);
}

/**
 * Leaves of a tensor tree with their `/`-joined paths, in a stable order (object keys in insertion order,
 * arrays by index): `[['blocks/0/attn/wq', tensor], …]`.
 */
export function flattenTree<T extends tf.Tensor>(tree: TensorTree<T>, prefix = ''): [string, T][] {
  if (isTensor(tree)) return [[prefix, tree as T]];
  const out: [string, T][] = [];
  const entries: [string, TensorTree<T>][] = Array.isArray(tree)
    ? (tree as TensorTree<T>[]).map((v, i) => [String(i), v])
    : Object.entries(tree as Record<string, TensorTree<T>>);
  for (const [k, v] of entries) out.push(...flattenTree(v, prefix ? `${prefix}/${k}` : k));
  return out;
}

/** Builds a tree of the same structure as `tree`, with each leaf replaced by `fn(leaf, path)`. */
export function mapTree<T extends tf.Tensor, U extends tf.Tensor>(
  tree: TensorTree<T>,
  fn: (leaf: T, path: string) => U,
  prefix = '',
): TensorTree<U> {
  if (isTensor(tree)) return fn(tree as T, prefix);
  if (Array.isArray(tree)) return (tree as TensorTree<T>[]).map((v, i) => mapTree(v, fn, prefix ? `${prefix}/${i}` : String(i)));
  const out: Record<string, TensorTree<U>> = {};
  for (const [k, v] of Object.entries(tree as Record<string, TensorTree<T>>)) out[k] = mapTree(v, fn, prefix ? `${prefix}/${k}` : k);
  return out;
}

/** Disposes every tensor in a tree (variables included). */
export function disposeTree(tree: TensorTree | null | undefined): void {
  if (tree == null) return;
  for (const [, t] of flattenTree(tree)) t.dispose();
}

/**
 * Runs `fn` inside `tf.tidy`, reads the values of the tensor (or tensors) it returns with `await t.data()` (all
 * together, so a GPU backend synchronises once), and disposes them.
 *
 * Prefer it to returning `t.dataSync()` from inside `tf.tidy`: a synchronous read stalls a GPU backend (webgpu throws
 * under Node and reads zeros in browsers), and tidy searches whatever its function returns for tensors to keep,
 * walking a typed array element by element (seconds for a few hundred thousand values; it made a full-data L-BFGS
 * probe 20× slower than its matrix products).
 *
 * @example
 * const [values, indices] = await tidyData(() => { const t = tf.topk(scores, 5); return [t.values, t.indices]; });
 */
export async function tidyData(fn: () => tf.Tensor): Promise<tf.TypedArray>;
export async function tidyData(fn: () => readonly tf.Tensor[]): Promise<tf.TypedArray[]>;
export async function tidyData(fn: () => tf.Tensor | readonly tf.Tensor[]): Promise<tf.TypedArray | tf.TypedArray[]> {
  const out = tf.tidy(fn as () => tf.Tensor | tf.Tensor[]);
  const list = Array.isArray(out) ? out : [out as tf.Tensor];
  try {
    const data = await Promise.all(list.map((t) => t.data()));
    return Array.isArray(out) ? data : data[0]!;
  } finally {
    for (const t of list) t.dispose();
  }
}

/** Number of scalars in a tree. */
export function countParameters(tree: TensorTree): number {
  return flattenTree(tree).reduce((n, [, t]) => n + t.size, 0);
}

/** Number of live tensors tracked by tfjs right now. */
export function liveTensors(): number {
  return tf.memory().numTensors;
}

/** Turns a tensor into a trainable variable, taking ownership: the tensor is disposed, the variable returned. */
export function toVariable(t: tf.Tensor): tf.Variable {
  const v = tf.variable(t, true);
  t.dispose();
  return v;
}
