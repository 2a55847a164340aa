/**
 * The native backend's fused GELU kernels (`DarlGelu`, `DarlBiasGelu` and their gradients, see `ops/gelu.ts`): one
 * multi-threaded pass over the wasm heap's float32 data each way; the bias gradient is reduced in the same pass.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { BIAS_GELU_GRAD_KERNEL, BIAS_GELU_KERNEL, GELU_GRAD_KERNEL, GELU_KERNEL, geluGradConfigs } from '../ops/gelu.js';
import type { KernelOverride } from './kernel-registry.js';
import { nativeKernels } from './native-kernels.js';
import { wasmData, type WasmBackend } from './wasm-internals.js';

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
}

/** `[rows, cols]` of x: its last axis with a bias, else all of it as one row. */
function rowsCols(x: tf.TensorInfo, withBias: boolean): [number, number] {
  const n = tf.util.sizeFromShape(x.shape);
  const cols = withBias ? (x.shape[x.shape.length - 1] as number) : n;
  return [cols === 0 ? 0 : n / cols, cols];
}

function forward(withBias: boolean) {
  return ((args: KernelArgs): tf.TensorInfo => {
    const backend = args.backend as WasmBackend;
    const { x, bias } = args.inputs as Record<string, tf.TensorInfo>;
    const y = backend.makeOutput([...x!.shape], 'float32');
    const [rows, cols] = rowsCols(x!, withBias);
    if (rows * cols > 0) {
      const off = (t: tf.TensorInfo): number => wasmData(backend, t).memoryOffset;
      nativeKernels().gelu(backend.wasm.HEAPU8.buffer, off(x!), withBias ? off(bias!) : -1, rows, cols, off(y));
    }
    return y;
  }) as unknown as tf.KernelFunc;
}

function backward(withBias: boolean) {
  return ((args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const backend = args.backend as WasmBackend;
    const { dy, x, bias } = args.inputs as Record<string, tf.TensorInfo>;
    const dx = backend.makeOutput([...x!.shape], 'float32');
    const [rows, cols] = rowsCols(x!, withBias);
    const dbias = withBias ? backend.makeOutput([...bias!.shape], 'float32') : undefined;
    const off = (t: tf.TensorInfo): number => wasmData(backend, t).memoryOffset;
    // With 0 rows (and a bias) the kernel only zeroes dbias.
    if (cols > 0) {
      nativeKernels().geluGrad(backend.wasm.HEAPU8.buffer, off(dy!), off(x!), withBias ? off(bias!) : -1, rows, cols, off(dx), dbias ? off(dbias) : -1);
    }
    return dbias ? [dx, dbias] : dx;
  }) as unknown as tf.KernelFunc;
}

/** Fused GELU and bias + GELU, forward and backward (native). */
export const nativeGeluOverride: KernelOverride = {
  name: 'GELU, bias + GELU (native fused, forward and backward)',
  own: true,
  kernels: [
    { kernelName: GELU_KERNEL, kernelFunc: forward(false) },
    { kernelName: GELU_GRAD_KERNEL, kernelFunc: backward(false) },
    { kernelName: BIAS_GELU_KERNEL, kernelFunc: forward(true) },
    { kernelName: BIAS_GELU_GRAD_KERNEL, kernelFunc: backward(true) },
  ],
  gradients: geluGradConfigs,
};
