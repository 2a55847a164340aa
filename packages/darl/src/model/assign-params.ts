/**
 * Copying named weights into a model's parameter tree, checking that they belong to it.
 *
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';
import { flattenTree, UserError, type TensorTree } from '@darl/tensor-backend';
import { RUN_FILES } from '../run-dir/names.js';

/** Raised when weights do not belong to the model built from their config (missing, extra or mis-shaped tensors). */
export class WeightsMismatchError extends UserError {
  override readonly name = 'WeightsMismatchError';
}

/**
 * Copies `tensors` (by parameter path, e.g. `backbone/blocks/0/attn/wq/w`, each under `prefix`) into a parameter tree
 * of variables. Every parameter must be present with its shape; extra keys (other than `ema/…` when `prefix` is
 * empty) are an error, as they mean the weights belong to another model. The tensors stay the caller's.
 *
 * @param source names the weights in error messages (a file or URL)
 */
export function assignParams(params: TensorTree, tensors: Record<string, tf.Tensor>, source: string, prefix = ''): void {
  const leaves = flattenTree(params);
  const wanted = new Set(leaves.map(([p]) => `${prefix}${p}`));
  const problems: string[] = [];
  for (const [path, v] of leaves) {
    const t = tensors[`${prefix}${path}`];
    if (!t) problems.push(`missing "${prefix}${path}"`);
    else if (t.shape.join('x') !== v.shape.join('x')) problems.push(`"${prefix}${path}" has shape [${t.shape}] but the model needs [${v.shape}]`);
    else if (t.dtype !== v.dtype) problems.push(`"${prefix}${path}" is ${t.dtype} but the model needs ${v.dtype}`);
  }
  for (const k of Object.keys(tensors)) {
    if (!wanted.has(k) && (prefix !== '' ? k.startsWith(prefix) : !k.startsWith('ema/'))) problems.push(`unexpected "${k}"`);
  }
  if (problems.length) {
    throw new WeightsMismatchError(
      `${source} does not match the model built from its ${RUN_FILES.config} (${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}).`,
    );
  }
  for (const [path, v] of leaves) (v as tf.Variable).assign(tensors[`${prefix}${path}`]!);
}
