/**
 * Counting GPU compute dispatches on the webgpu backend, the unit of work a GPU step is made of (as kernel calls
 * are on the CPU backends): tfjs's programs and darl's fused kernels alike go through the backend's
 * `recordAndSubmit`, one dispatch each, which is what is counted.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { UserError } from './user-error.js';

type Record = (...args: unknown[]) => unknown;

/**
 * Runs `fn` (synchronous or asynchronous) on the webgpu backend and counts the compute dispatches recorded while it
 * runs (uploads, copies and reads are not dispatches). Calls may nest; do not run two counted functions
 * concurrently.
 *
 * @example
 * await useBackend('webgpu');
 * const { dispatches } = await countDispatches(() => trainStep(batch));
 * console.log(`${dispatches} dispatches per training step`);
 */
export async function countDispatches<T>(fn: () => T | Promise<T>): Promise<{
  /** What `fn` returned. */
  result: T;
  /** GPU compute dispatches recorded while it ran. */
  dispatches: number;
}> {
  const backend = tf.backend() as unknown as { recordAndSubmit?: Record };
  const original = backend.recordAndSubmit;
  if (tf.getBackend() !== 'webgpu' || typeof original !== 'function') {
    throw new UserError(
      `countDispatches counts WebGPU compute dispatches, but the active backend is "${tf.getBackend()}". ` +
        "Select the webgpu backend first (await useBackend('webgpu')), or count kernel calls with tf.profile on other backends.",
    );
  }
  const own = Object.prototype.hasOwnProperty.call(backend, 'recordAndSubmit');
  let dispatches = 0;
  backend.recordAndSubmit = function (this: unknown, ...args: unknown[]): unknown {
    dispatches++;
    return original.apply(this, args);
  };
  try {
    const result = await fn();
    return { result, dispatches };
  } finally {
    if (own) backend.recordAndSubmit = original;
    else delete backend.recordAndSubmit;
  }
}
