/**
 * `Tanh` for the wasm backend: the stock kernel is a scalar `std::tanh` loop (~25 ms for 1.6 M values, the largest
 * elementwise cost of a GELU MLP); this one runs {@link tanhArray} on the wasm heap. Same function to float32 accuracy,
 * so tfjs's registered Tanh gradient (which uses the output `y`: `dy · (1 − y²)`) stays valid.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelOverride } from './install.js';
import { tanhArray } from './fast-tanh.js';
import { wasmData, type WasmBackend } from './wasm-internals.js';

function tanhKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const backend = args.backend as WasmBackend;
  const x = args.inputs.x as tf.TensorInfo;
  if (x.dtype !== 'float32') throw new Error(`Tanh (darl wasm override): expected float32 input, got ${x.dtype}.`);
  const out = backend.makeOutput(x.shape, 'float32');
  const n = tf.util.sizeFromShape(x.shape);
  if (n === 0) return out;
  const heap = new Float32Array(backend.wasm.HEAPU8.buffer);
  tanhArray(heap, wasmData(backend, x).memoryOffset / 4, heap, wasmData(backend, out).memoryOffset / 4, n);
  return out;
}

/** The wasm `Tanh` override. */
export const wasmTanhOverride: KernelOverride = {
  name: 'Tanh (float32-accurate polynomial)',
  kernels: [{ kernelName: tf.Tanh, kernelFunc: tanhKernel as unknown as tf.KernelFunc }],
};
