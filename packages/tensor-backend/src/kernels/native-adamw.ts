/**
 * The native backend's fused AdamW kernel (`DarlAdamW`, see `ops/adamw-update.ts`): one multi-threaded call updates
 * every parameter and both moments in place on the wasm heap. The op passes only tensors that own their buffer.
 *
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';
import { ADAMW_KERNEL } from '../ops/adamw-update.js';
import type { FusedKernelArgs, FusedKernels } from './fused-ops.generated.js';
import { nativeKernels } from './native-kernels.js';
import { tensorList } from './native-tensor-list.js';
import type { WasmBackend } from './wasm-internals.js';

/** Inputs `p0, g0, m0, v0, p1, …` (float32; each quadruple of one size); no outputs (updated in place). */
function adamwKernel({ inputs, backend, attrs: a }: FusedKernelArgs<'ADAMW_KERNEL', WasmBackend>): tf.TensorInfo[] {
  const { offsets, sizes } = tensorList(ADAMW_KERNEL, backend, inputs, ['p', 'g', 'm', 'v'], a.decay.length);
  const constants = Float32Array.from([a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.sqrtBias2, a.eps]);
  nativeKernels().adamw(backend.wasm.HEAPU8.buffer, offsets, sizes, Float32Array.from(a.decay), Float32Array.from(a.stepScale), constants);
  return [];
}

/** The AdamW kernel by tfjs kernel name, for the kernel table's `adamw` entry. */
export function kernels(): FusedKernels<'native', 'adamw', WasmBackend> {
  return { [ADAMW_KERNEL]: adamwKernel };
}
