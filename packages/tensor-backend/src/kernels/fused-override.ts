/**
 * How a fused op's kernel functions become a backend's kernel override: what every fused kernel shares, in one place.
 * The override is reported as "<label> (<backend> fused)", registers the op's gradients, counts as darl's own kernels
 * (removed when the overrides are off), and checks that every input is float32 before the backend's code runs.
 * The `<backend>-fused.generated.ts` lists call it for every op the kernel table gives their backend.
 *
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';
import { FUSED_OPS, type FusedBackend, type FusedBackendKernels, type FusedKernels } from './fused-ops.generated.js';
import type { KernelArgs, KernelOverride } from './kernel-registry.js';

/** Throws (a bug in darl's op, which passes float32 only) if an input of `kernelName` is not float32. */
export function checkFloat32(kernelName: string, backend: string, inputs: tf.NamedTensorInfoMap): void {
  for (const [name, t] of Object.entries(inputs)) {
    if (t !== undefined && t.dtype !== 'float32') throw new Error(`${kernelName} (darl ${backend}): ${name} must be float32, got ${t.dtype}.`);
  }
}

/**
 * The override of fused op `op` on `backend` from its kernel functions (`kernels` of `<backend>-<op>.ts`, called now:
 * a module-level object keyed by imported kernel names would count as a side effect, kept by every bundle).
 */
export function fusedOverride<Bk extends FusedBackend, Op extends keyof FusedBackendKernels[Bk] & keyof typeof FUSED_OPS>(
  backend: Bk,
  op: Op,
  kernels: () => FusedKernels<Bk, Op, never>,
): KernelOverride {
  const { label, gradients } = FUSED_OPS[op];
  const funcs = Object.entries(kernels() as unknown as Record<string, (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]>);
  return {
    name: `${label} (${backend} fused)`,
    own: true,
    kernels: funcs.map(([kernelName, f]) => ({
      kernelName,
      kernelFunc: ((args: KernelArgs) => {
        checkFloat32(kernelName, backend, args.inputs);
        return f(args);
      }) as tf.KernelFunc,
    })),
    gradients,
  };
}
