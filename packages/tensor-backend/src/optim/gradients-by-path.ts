/**
 * Gradients of a scalar loss with respect to a tree of variables, keyed by tree path.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { flattenTree, type TensorTree } from '../memory.js';

/**
 * Runs `lossFn` under `tf.variableGrads` for every trainable variable in `params` and returns the loss and the
 * gradients keyed by tree path (`'blocks/0/attn/wqkv'`). A variable the loss does not depend on, or one that is not
 * trainable, has no entry. The loss and the gradients belong to the caller (dispose them after the optimiser step);
 * intermediates of `lossFn` are freed.
 *
 * Call `useBackend(...)` first: it registers tfjs's gradients under plain Node.
 *
 * @param params tree of `tf.Variable` (any shapes)
 * @param lossFn computes `loss float32 []` from the variables (synchronously)
 * @returns `loss float32 []` and `grads[path]` with the shape of the variable at `path`
 *
 * @example
 * const { loss, grads } = gradientsByPath(params, () => mseLoss(params, batch));
 * optimizer.step(grads, schedule(optimizer.stepCount));
 * loss.dispose(); disposeTree(grads);
 */
export function gradientsByPath(
  params: TensorTree<tf.Variable>,
  lossFn: () => tf.Scalar,
): {
  /** The loss float32 `[]`. */
  loss: tf.Scalar;
  /** d loss / d parameter, keyed by the parameter's path, each shaped like its parameter. */
  grads: Record<string, tf.Tensor>;
} {
  const leaves = flattenTree(params);
  const pathByName = new Map<string, string>();
  for (const [path, variable] of leaves) {
    if (!(variable instanceof tf.Variable)) {
      throw new Error(
        `gradientsByPath: the parameter at "${path}" is a plain tensor, not a tf.Variable; create parameters with tf.variable(...).`,
      );
    }
    const previous = pathByName.get(variable.name);
    if (previous !== undefined) {
      throw new Error(
        `gradientsByPath: the parameters at "${previous}" and "${path}" are the same variable ("${variable.name}"); ` +
          'a tree must hold each variable once (tie weights by reusing one path in the model code instead).',
      );
    }
    pathByName.set(variable.name, path);
  }
  const { value, grads } = tf.variableGrads(lossFn, leaves.map(([, v]) => v));
  const byPath: Record<string, tf.Tensor> = {};
  for (const [name, grad] of Object.entries(grads)) byPath[pathByName.get(name)!] = grad;
  return { loss: value, grads: byPath };
}
