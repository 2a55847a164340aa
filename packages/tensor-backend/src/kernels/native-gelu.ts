/**
 * The native backend's fused GELU kernels (`DarlGelu`, `DarlBiasGelu` and their gradients, see `ops/gelu.ts`): one
 * multi-threaded pass over the wasm heap's float32 data each way; the bias gradient is reduced in the same pass.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { BIAS_GELU_GRAD_KERNEL, BIAS_GELU_KERNEL, GELU_GRAD_KERNEL, GELU_KERNEL } from '../ops/gelu.js';
import type { FusedKernelArgs, FusedKernels } from './fused-ops.generated.js';
import { nativeKernels } from './native-kernels.js';
import { wasmData, type WasmBackend } from './wasm-internals.js';

/** What the GELU kernels read: `x` and, with a bias, `bias`. */
type GeluArgs = FusedKernelArgs<'GELU_KERNEL' | 'BIAS_GELU_KERNEL', WasmBackend>;
/** What the GELU gradient kernels read: `dy`, `x` and, with a bias, `bias`. */
type GeluGradArgs = FusedKernelArgs<'GELU_GRAD_KERNEL' | 'BIAS_GELU_GRAD_KERNEL', WasmBackend>;

/** `[rows, cols]` of x: its last axis with a bias, else all of it as one row. */
function rowsCols(x: tf.TensorInfo, withBias: boolean): [number, number] {
  const n = tf.util.sizeFromShape(x.shape);
  const cols = withBias ? (x.shape[x.shape.length - 1] as number) : n;
  return [cols === 0 ? 0 : n / cols, cols];
}

function forward(withBias: boolean) {
  return ({ inputs, backend }: GeluArgs): tf.TensorInfo => {
    const { x, bias } = inputs as { x: tf.TensorInfo; bias?: tf.TensorInfo };
    const y = backend.makeOutput([...x.shape], 'float32');
    const [rows, cols] = rowsCols(x, withBias);
    if (rows * cols > 0) {
      const off = (t: tf.TensorInfo): number => wasmData(backend, t).memoryOffset;
      nativeKernels().gelu(backend.wasm.HEAPU8.buffer, off(x), withBias ? off(bias!) : -1, rows, cols, off(y));
    }
    return y;
  };
}

function backward(withBias: boolean) {
  return ({ inputs, backend }: GeluGradArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const { dy, x, bias } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo; bias?: tf.TensorInfo };
    const dx = backend.makeOutput([...x.shape], 'float32');
    const [rows, cols] = rowsCols(x, withBias);
    const dbias = withBias ? backend.makeOutput([...bias!.shape], 'float32') : undefined;
    const off = (t: tf.TensorInfo): number => wasmData(backend, t).memoryOffset;
    // With 0 rows (and a bias) the kernel only zeroes dbias.
    if (cols > 0) {
      nativeKernels().geluGrad(backend.wasm.HEAPU8.buffer, off(dy), off(x), withBias ? off(bias!) : -1, rows, cols, off(dx), dbias ? off(dbias) : -1);
    }
    return dbias ? [dx, dbias] : dx;
  };
}

/** The GELU kernels by tfjs kernel name, for the kernel table's `gelu` entry. */
export function kernels(): FusedKernels<'native', 'gelu', WasmBackend> {
  return {
    [GELU_KERNEL]: forward(false),
    [GELU_GRAD_KERNEL]: backward(false),
    [BIAS_GELU_KERNEL]: forward(true),
    [BIAS_GELU_GRAD_KERNEL]: backward(true),
  };
}
