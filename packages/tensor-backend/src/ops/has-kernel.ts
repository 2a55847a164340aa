/**
 * Whether the current tfjs backend has a kernel registered under a name: how darl's fused ops decide between a
 * fused kernel (registered by `useBackend` only where it exists, e.g. the native backend) and their composite tfjs
 * code, which runs everywhere else.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';

/** True when the active backend has a kernel called `kernelName`. */
export function hasKernel(kernelName: string): boolean {
  return tf.getKernel(kernelName, tf.getBackend()) != null;
}
