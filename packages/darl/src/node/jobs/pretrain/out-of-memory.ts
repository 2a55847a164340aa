/**
 * Mapping a backend's out-of-memory failure to a user error saying what to shrink.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { RunConfig } from '../../../config/schema.js';
import { RunError } from '../../run-error.js';

/**
 * The backend ran out of memory (wasm's heap is at most 4 GiB: Emscripten aborts or traps; typed arrays fail to
 * allocate): a user error saying what to shrink. Null for any other error.
 */
export function outOfMemoryError(err: unknown, run: RunConfig): RunError | null {
  const message = err instanceof Error ? err.message : String(err);
  const RuntimeError = (globalThis as { WebAssembly?: { RuntimeError?: abstract new () => Error } }).WebAssembly?.RuntimeError;
  const wasmTrap = RuntimeError !== undefined && err instanceof RuntimeError;
  if (!wasmTrap && !/Aborted\(|memory access out of bounds|Array buffer allocation failed|Out of memory|Cannot enlarge memory/i.test(message)) return null;
  return new RunError(
    `The ${tf.getBackend()} backend ran out of memory (${message.split('\n')[0]}) with backbone preset "${run.model.backbone.preset}" and train.batchSize ${run.train.batchSize}. ` +
      'The wasm backend has at most 4 GiB: lower train.batchSize (or raise train.accumulate), choose a smaller model, or a backend without that limit (darl info lists them). ' +
      'Checkpoints committed before this point are intact (resume with --resume after changing nothing but the backend).',
    { cause: err },
  );
}
