/**
 * The native backend's fused LayerNorm kernels (`DarlLayerNorm` and its gradient `DarlLayerNormGrad`, see
 * `ops/layer-norm.ts`): one multi-threaded pass over the rows of the wasm heap's float32 data each way.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL, layerNormGradConfig, type LayerNormAttrs } from '../ops/layer-norm.js';
import type { KernelOverride } from './kernel-registry.js';
import { nativeKernels } from './native-kernels.js';
import { wasmData, type WasmBackend } from './wasm-internals.js';

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

/** `[rows, cols]` of a `[..., D]` tensor. */
function rowsCols(shape: number[]): [number, number] {
  const cols = shape[shape.length - 1] as number;
  return [cols === 0 ? 0 : tf.util.sizeFromShape(shape) / cols, cols];
}

function layerNormKernel(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as WasmBackend;
  const { x, gamma, beta } = args.inputs as Record<string, tf.TensorInfo>;
  const { eps } = args.attrs as unknown as LayerNormAttrs;
  const [rows, cols] = rowsCols(x!.shape);
  const y = backend.makeOutput([...x!.shape], 'float32');
  const mean = backend.makeOutput([rows], 'float32');
  const rstd = backend.makeOutput([rows], 'float32');
  if (rows > 0) {
    const off = (t: tf.TensorInfo): number => wasmData(backend, t).memoryOffset;
    nativeKernels().layerNorm(backend.wasm.HEAPU8.buffer, off(x!), off(gamma!), off(beta!), eps, rows, cols, off(y), off(mean), off(rstd));
  }
  return [y, mean, rstd];
}

function layerNormGradKernel(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as WasmBackend;
  const { dy, x, gamma, mean, rstd } = args.inputs as Record<string, tf.TensorInfo>;
  const [rows, cols] = rowsCols(x!.shape);
  const dx = backend.makeOutput([...x!.shape], 'float32');
  const dgamma = backend.makeOutput([cols], 'float32');
  const dbeta = backend.makeOutput([cols], 'float32');
  const off = (t: tf.TensorInfo): number => wasmData(backend, t).memoryOffset;
  if (cols > 0) {
    // With 0 rows the kernel only zeroes dgamma and dbeta.
    nativeKernels().layerNormGrad(backend.wasm.HEAPU8.buffer, off(dy!), off(x!), off(gamma!), off(mean!), off(rstd!), rows, cols, off(dx), off(dgamma), off(dbeta));
  }
  return [dx, dgamma, dbeta];
}

/** Fused LayerNorm, forward and backward (native). */
export const nativeLayerNormOverride: KernelOverride = {
  name: 'LayerNorm (native fused, forward and backward)',
  own: true,
  kernels: [
    { kernelName: LAYER_NORM_KERNEL, kernelFunc: layerNormKernel as unknown as tf.KernelFunc },
    { kernelName: LAYER_NORM_GRAD_KERNEL, kernelFunc: layerNormGradKernel as unknown as tf.KernelFunc },
  ],
  gradients: [layerNormGradConfig],
};
