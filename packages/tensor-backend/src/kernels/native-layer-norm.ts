/**
 * The native backend's fused LayerNorm kernels (`DarlLayerNorm` and its gradient `DarlLayerNormGrad`, see
 * `ops/layer-norm.ts`): one multi-threaded pass over the rows of the wasm heap's float32 data each way.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL } from '../ops/layer-norm.js';
import type { FusedKernelArgs, FusedKernels } from './fused-ops.generated.js';
import { nativeKernels } from './native-kernels.js';
import { wasmData, type WasmBackend } from './wasm-internals.js';

/** `[rows, cols]` of a `[..., D]` tensor. */
function rowsCols(shape: number[]): [number, number] {
  const cols = shape[shape.length - 1] as number;
  return [cols === 0 ? 0 : tf.util.sizeFromShape(shape) / cols, cols];
}

/** Inputs `x [..., D]`, `gamma [D]`, `beta [D]`; outputs `y [..., D]`, `mean [rows]`, `rstd [rows]`. */
function layerNormKernel({ inputs: { x, gamma, beta }, backend, attrs: { eps } }: FusedKernelArgs<'LAYER_NORM_KERNEL', WasmBackend>): tf.TensorInfo[] {
  const [rows, cols] = rowsCols(x.shape);
  const y = backend.makeOutput([...x.shape], 'float32');
  const mean = backend.makeOutput([rows], 'float32');
  const rstd = backend.makeOutput([rows], 'float32');
  if (rows > 0) {
    const off = (t: tf.TensorInfo): number => wasmData(backend, t).memoryOffset;
    nativeKernels().layerNorm(backend.wasm.HEAPU8.buffer, off(x), off(gamma), off(beta), eps, rows, cols, off(y), off(mean), off(rstd));
  }
  return [y, mean, rstd];
}

/** Inputs `dy, x [..., D]`, `gamma [D]`, `mean, rstd [rows]`; outputs `dx [..., D]`, `dgamma [D]`, `dbeta [D]`. */
function layerNormGradKernel({ inputs: { dy, x, gamma, mean, rstd }, backend }: FusedKernelArgs<'LAYER_NORM_GRAD_KERNEL', WasmBackend>): tf.TensorInfo[] {
  const [rows, cols] = rowsCols(x.shape);
  const dx = backend.makeOutput([...x.shape], 'float32');
  const dgamma = backend.makeOutput([cols], 'float32');
  const dbeta = backend.makeOutput([cols], 'float32');
  const off = (t: tf.TensorInfo): number => wasmData(backend, t).memoryOffset;
  if (cols > 0) {
    // With 0 rows the kernel only zeroes dgamma and dbeta.
    nativeKernels().layerNormGrad(backend.wasm.HEAPU8.buffer, off(dy), off(x), off(gamma), off(mean), off(rstd), rows, cols, off(dx), off(dgamma), off(dbeta));
  }
  return [dx, dgamma, dbeta];
}

/** The LayerNorm kernels by tfjs kernel name, for the kernel table's `layer-norm` entry. */
export function kernels(): FusedKernels<'native', 'layer-norm', WasmBackend> {
  return {
    [LAYER_NORM_KERNEL]: layerNormKernel,
    [LAYER_NORM_GRAD_KERNEL]: layerNormGradKernel,
  };
}
