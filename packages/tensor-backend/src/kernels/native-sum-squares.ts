/**
 * The native backend's fused sum-of-squares kernel (`DarlSumSquares`, see `ops/sum-squares.ts`): `Σ x²` of many
 * tensors in one multi-threaded call, accumulated in float64.
 *
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';
import { SUM_SQUARES_KERNEL } from '../ops/sum-squares.js';
import type { KernelOverride } from './kernel-registry.js';
import { nativeKernels } from './native-kernels.js';
import { tensorList } from './native-tensor-list.js';
import { wasmData, type WasmBackend } from './wasm-internals.js';

function sumSquaresKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as WasmBackend;
  const { count } = args.attrs as unknown as { count: number };
  const { offsets, sizes } = tensorList(SUM_SQUARES_KERNEL, backend, args.inputs, ['x'], count);
  const out = backend.makeOutput([count], 'float32');
  if (count > 0) nativeKernels().sumSquares(backend.wasm.HEAPU8.buffer, offsets, sizes, wasmData(backend, out).memoryOffset);
  return out;
}

/** Fused per-tensor sum of squares (native). */
export const nativeSumSquaresOverride: KernelOverride = {
  name: 'sum of squares of many tensors (native fused, one call)',
  own: true,
  kernels: [{ kernelName: SUM_SQUARES_KERNEL, kernelFunc: sumSquaresKernel as unknown as tf.KernelFunc }],
};
