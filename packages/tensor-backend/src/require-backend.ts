/**
 * darl's message for a tensor op before any backend exists. Without one, tfjs throws a bare "No backend found in
 * registry." from deep inside its engine; darl checks once, where its code first makes a tensor.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { UserError } from './user-error.js';

/**
 * Throws a {@link UserError} naming `useBackend` when tfjs has no backend to run `what` on: none was selected and no
 * backend package registered one. (A backend package imported by the caller but not selected yet is fine: tfjs
 * selects it on first use.)
 */
export function requireBackend(what: string): void {
  if (tf.getBackend() != null || Object.keys(tf.engine().registryFactory).length > 0) return;
  throw new UserError(
    `${what} needs a tensor backend, and none is chosen yet. Call \`await useBackend('auto')\` (or 'native', 'wasm', ` +
      "'webgpu', 'cpu') from @darl/tensor-backend before any tensor work; under Node it also registers the gradients " +
      'that tf.grad needs.',
  );
}
