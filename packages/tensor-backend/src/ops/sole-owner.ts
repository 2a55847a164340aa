/**
 * Whether a tensor is the only one using its buffer, which is when a fused kernel may write it in place without
 * changing another tensor (tfjs shares buffers between `tf.clone`s, a variable and the tensor it was made from, …).
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';

/** True when no other tensor shares the buffer of `t`. */
export function soleOwner(t: tf.Tensor): boolean {
  return tf.backend().refCount(t.dataId) === 1;
}
