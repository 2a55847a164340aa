/**
 * The native backend's fused EMA kernel (`DarlEmaUpdate`, see `ops/ema-update.ts`): one multi-threaded call moves
 * every shadow variable in place on the wasm heap. The op passes only shadows that own their buffer.
 *
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';
import { EMA_UPDATE_KERNEL, type EmaUpdateAttrs } from '../ops/ema-update.js';
import type { KernelOverride } from './kernel-registry.js';
import { nativeKernels } from './native-kernels.js';
import { tensorList } from './native-tensor-list.js';
import type { WasmBackend } from './wasm-internals.js';

function emaKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo[] {
  const backend = args.backend as WasmBackend;
  const { decay, count } = args.attrs as unknown as EmaUpdateAttrs;
  const { offsets, sizes } = tensorList(EMA_UPDATE_KERNEL, backend, args.inputs, ['s', 'p'], count);
  nativeKernels().emaUpdate(backend.wasm.HEAPU8.buffer, offsets, sizes, decay, 1 - decay);
  return [];
}

/** Fused EMA over all parameters, in place (native). */
export const nativeEmaOverride: KernelOverride = {
  name: 'EMA (native fused, all parameters in one call)',
  own: true,
  kernels: [{ kernelName: EMA_UPDATE_KERNEL, kernelFunc: emaKernel as unknown as tf.KernelFunc }],
};
