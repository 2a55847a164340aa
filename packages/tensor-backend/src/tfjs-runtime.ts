/**
 * Making the loaded tfjs-core complete and unique: gradients and chained ops registered exactly once, and a warning
 * when two copies of tfjs-core are loaded (two engines' worth of kernels, tensors that do not mix).
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';

/** Kernels whose gradients our models need; if any is missing, the whole gradient set is registered. */
const PROBE_GRADIENTS = ['Sum', 'BatchMatMul', 'Softmax', 'Add', 'Multiply', 'Transpose', 'Reshape', 'Exp', 'Sqrt'];

let gradientsPromise: Promise<void> | null = null;

/**
 * Ensures tfjs-core's gradients and chained tensor methods are registered. Under plain Node, tfjs-core's CommonJS
 * entry registers neither (so `tf.grad` throws "gradient function not found"); bundlers that load its ES modules
 * register both. This checks, and registers the missing set once, into tfjs's global registries, from a copy of
 * tfjs-core's own gradient code vendored in this package. Safe to call any number of times.
 */
export function ensureGradients(): Promise<void> {
  if (PROBE_GRADIENTS.every((k) => tf.getGradient(k) != null)) return Promise.resolve();
  gradientsPromise ??= import('./vendor/tfjs-gradients.js').then(() => {
    const missing = PROBE_GRADIENTS.filter((k) => tf.getGradient(k) == null);
    if (missing.length > 0) {
      throw new Error(
        `@darl/tensor-backend: registering tfjs gradients failed; still missing: ${missing.join(', ')}. ` +
          'This happens when the loaded @tensorflow/tfjs-core is not 4.x. Install @tensorflow/tfjs-core@^4.22.0.',
      );
    }
  });
  return gradientsPromise;
}

interface TfGlobalNamespace {
  _tfGlobals?: Map<string, unknown>;
}

function globalNamespace(): TfGlobalNamespace {
  return globalThis as unknown as TfGlobalNamespace;
}

/**
 * True when the tfjs-core this package imported is not the one that created tfjs's global state: another copy of
 * `@tensorflow/tfjs-core` (a different version, or the same version installed twice) was loaded first.
 */
export function hasDuplicateTfjs(): boolean {
  const globals = globalNamespace()._tfGlobals;
  const globalTensor = globals?.get('Tensor');
  return globalTensor !== undefined && globalTensor !== tf.Tensor;
}

let warned = false;

/** Warns once (console.warn) when {@link hasDuplicateTfjs} holds. Returns whether it did. */
export function warnIfDuplicateTfjs(warn: (message: string) => void = console.warn): boolean {
  if (warned || !hasDuplicateTfjs()) return false;
  warned = true;
  warn(
    `@darl/tensor-backend: more than one copy of @tensorflow/tfjs-core is loaded (this package sees ${tf.version_core}). ` +
      'Kernels and gradients registered on one copy may be missing on the other and tensors cannot be mixed. ' +
      'Make every package resolve one tfjs-core: `npm ls @tensorflow/tfjs-core` shows the copies; dedupe them ' +
      '(`npm dedupe`, or pin one version with "overrides").',
  );
  return true;
}
