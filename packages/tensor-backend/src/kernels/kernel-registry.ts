/**
 * What a kernel override is, and the backends' original kernels it replaced (its own file so that the overrides
 * can delegate to the originals without importing `install.ts`, which imports them).
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';

/** What tfjs passes a kernel function (darl's fused kernels have typed ones: `FusedKernelArgs`). */
export interface KernelArgs {
  readonly inputs: tf.NamedTensorInfoMap;
  readonly backend: unknown;
  readonly attrs?: tf.NamedAttrMap;
}

/** One override: a kernel config registered in place of the backend's own. */
export interface KernelOverride {
  /** Human-readable name, reported by `useBackend` and `darl info`. */
  readonly name: string;
  /** The tfjs kernel configs to register (their `backendName` is filled in). */
  readonly kernels: readonly Omit<tf.KernelConfig, 'backendName'>[];
  /**
   * True for darl's own fused kernels, which no tfjs op calls (only darl's ops in `ops/`, which check for them):
   * they are unregistered whenever the override is not in effect, so the ops fall back to their composite code.
   */
  readonly own?: boolean;
  /** Gradients of the override's own kernels, registered when it is installed. */
  readonly gradients?: readonly tf.GradConfig[];
}

/** `backendName/kernelName` → the kernel registered before darl's override replaced it. */
export const originals = new Map<string, tf.KernelConfig>();

/**
 * The kernel a backend had registered under `kernelName` before darl's override replaced it (undefined if none), for
 * overrides that handle the hot cases themselves and delegate the rest.
 */
export function originalKernel(kernelName: string, backendName: string): tf.KernelConfig | undefined {
  return originals.get(`${backendName}/${kernelName}`) ?? tf.getKernel(kernelName, backendName);
}
