import * as tf from '@tensorflow/tfjs-core';
import { disposeTree, type TensorTree } from '../memory.js';

/**
 * Runs `fn`, disposes what it returns (a tensor, a tree of tensors, or nothing), and throws if the number of live
 * tensors afterwards differs from before: `fn` leaked (or disposed something it did not own).
 *
 * @returns the number of tensors `fn` returned (already disposed)
 */
export async function expectNoLeak(
  fn: () => TensorTree | void | null | Promise<TensorTree | void | null>,
  label = 'function',
): Promise<number> {
  const before = tf.memory().numTensors;
  const result = await fn();
  const returned = result == null ? 0 : countLeaves(result);
  disposeTree(result ?? null);
  const after = tf.memory().numTensors;
  if (after !== before) {
    throw new Error(
      `${label} leaked ${after - before} tensor(s): ${before} live before, ${after} after disposing its ${returned} returned tensor(s). ` +
        'Wrap the work in tf.tidy or dispose intermediates.',
    );
  }
  return returned;
}

function countLeaves(tree: TensorTree): number {
  if (tree instanceof tf.Tensor) return 1;
  return Object.values(tree as Record<string, TensorTree>).reduce((n, v) => n + countLeaves(v), 0);
}
