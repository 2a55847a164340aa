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
import { wasmData, type WasmBackend } from './wasm-internals.js';

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

function adamwKernel(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as WasmBackend;
  const a = args.attrs as unknown as AdamWKernelAttrs;
  const count = a.decay.length;
  const offsets = new Float64Array(4 * count);
  const sizes = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const p = args.inputs[`p${i}`] as tf.TensorInfo;
    sizes[i] = tf.util.sizeFromShape(p.shape);
    ['p', 'g', 'm', 'v'].forEach((k, j) => {
      const t = args.inputs[`${k}${i}`] as tf.TensorInfo;
      if (t.dtype !== 'float32' || tf.util.sizeFromShape(t.shape) !== sizes[i]) throw new Error(`${ADAMW_KERNEL}: ${k}${i} is not float32 of ${sizes[i]} values.`);
      offsets[4 * i + j] = wasmData(backend, t).memoryOffset;
    });
  }
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
