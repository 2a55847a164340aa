/**
 * The loaded native kernels addon (`@darl/native-kernels`), set by `useBackend('native')` once it has loaded, and
 * read by the native kernel overrides.
 *
 * @module
 */
import type { NativeKernels } from '@darl/native-kernels';

let current: NativeKernels | undefined;

/** Makes `kernels` the addon the native overrides call. */
export function setNativeKernels(kernels: NativeKernels): void {
  current = kernels;
}

/** The addon; throws if the native backend was never selected (a bug: its overrides are installed only after). */
export function nativeKernels(): NativeKernels {
  if (!current) throw new Error('darl native kernels: called before useBackend("native") loaded the addon.');
  return current;
}
