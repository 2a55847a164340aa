/**
 * The native backend's fused EMA kernel (`DarlEmaUpdate`, see `ops/ema-update.ts`): one multi-threaded call moves
 * every shadow variable in place on the wasm heap. The op passes only shadows that own their buffer.
 *
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';
import { EMA_UPDATE_KERNEL } from '../ops/ema-update.js';
import type { FusedKernelArgs, FusedKernels } from './fused-ops.generated.js';
import { nativeKernels } from './native-kernels.js';
import { tensorList } from './native-tensor-list.js';
import type { WasmBackend } from './wasm-internals.js';

/** Inputs `s0, p0, s1, p1, …` (float32); no outputs (the `s` are updated in place). */
function emaKernel({ inputs, backend, attrs }: FusedKernelArgs<'EMA_UPDATE_KERNEL', WasmBackend>): tf.TensorInfo[] {
  const { decay, count } = attrs;
  const { offsets, sizes } = tensorList(EMA_UPDATE_KERNEL, backend, inputs, ['s', 'p'], count);
  nativeKernels().emaUpdate(backend.wasm.HEAPU8.buffer, offsets, sizes, decay, 1 - decay);
  return [];
}

/** The EMA kernel by tfjs kernel name, for the kernel table's `ema` entry. */
export function kernels(): FusedKernels<'native', 'ema', WasmBackend> {
  return { [EMA_UPDATE_KERNEL]: emaKernel };
}
