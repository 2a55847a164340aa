/**
 * The native backend's fused AdamW kernel (`DarlAdamW`, see `ops/adamw-update.ts`): one multi-threaded call updates
 * every parameter and both moments in place on the wasm heap. The op passes only tensors that own their buffer.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ADAMW_KERNEL, type AdamWKernelAttrs } from '../ops/adamw-update.js';
import type { KernelOverride } from './kernel-registry.js';
import { nativeKernels } from './native-kernels.js';
import { tensorList } from './native-tensor-list.js';
import type { WasmBackend } from './wasm-internals.js';

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

function adamwKernel(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as WasmBackend;
  const a = args.attrs as unknown as AdamWKernelAttrs;
  const { offsets, sizes } = tensorList(ADAMW_KERNEL, backend, args.inputs, ['p', 'g', 'm', 'v'], a.decay.length);
  const constants = Float32Array.from([a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.sqrtBias2, a.eps]);
  nativeKernels().adamw(backend.wasm.HEAPU8.buffer, offsets, sizes, Float32Array.from(a.decay), Float32Array.from(a.stepScale), constants);
  return [];
}

/** Fused AdamW over all parameters, in place (native). */
export const nativeAdamWOverride: KernelOverride = {
  name: 'AdamW (native fused, all parameters in one call)',
  own: true,
  kernels: [{ kernelName: ADAMW_KERNEL, kernelFunc: adamwKernel as unknown as tf.KernelFunc }],
};
