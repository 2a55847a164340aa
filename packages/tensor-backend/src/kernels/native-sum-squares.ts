/**
 * The native backend's fused sum-of-squares kernel (`DarlSumSquares`, see `ops/sum-squares.ts`): `Σ x²` of many
 * tensors in one multi-threaded call, accumulated in float64.
 *
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';
import { SUM_SQUARES_KERNEL } from '../ops/sum-squares.js';
import type { FusedKernelArgs, FusedKernels } from './fused-ops.generated.js';
import { nativeKernels } from './native-kernels.js';
import { tensorList } from './native-tensor-list.js';
import { wasmData, type WasmBackend } from './wasm-internals.js';

/** Inputs `x0, x1, …` (float32, any shapes); output `sums [count]`. */
function sumSquaresKernel({ inputs, backend, attrs }: FusedKernelArgs<'SUM_SQUARES_KERNEL', WasmBackend>): tf.TensorInfo {
  const { count } = attrs;
  const { offsets, sizes } = tensorList(SUM_SQUARES_KERNEL, backend, inputs, ['x'], count);
  const out = backend.makeOutput([count], 'float32');
  if (count > 0) nativeKernels().sumSquares(backend.wasm.HEAPU8.buffer, offsets, sizes, wasmData(backend, out).memoryOffset);
  return out;
}

/** The sum-of-squares kernel by tfjs kernel name, for the kernel table's `sum-squares` entry. */
export function kernels(): FusedKernels<'native', 'sum-squares', WasmBackend> {
  return { [SUM_SQUARES_KERNEL]: sumSquaresKernel };
}
