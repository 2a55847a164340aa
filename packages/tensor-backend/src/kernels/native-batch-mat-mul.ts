/**
 * `BatchMatMul` on darl's native backend: the wasm backend's tensors, multiplied by the native addon's packed,
 * multi-threaded SGEMM in place on the wasm heap (no copies). Transposed operands are read by the GEMM's packing
 * directly; shared-weight products (`b` with batch size 1) become one 2-D GEMM over all rows; other batch shapes
 * follow tf's broadcasting item by item.
 *
 * It computes exactly what the stock kernel computes (`out = op(a) @ op(b)`), so tfjs's BatchMatMul gradient stays
 * valid.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelOverride } from './kernel-registry.js';
import { batchMatMulSizes, broadcastIndices } from './batch-broadcast.js';
import { nativeKernels } from './native-kernels.js';
import { wasmData, type WasmBackend } from './wasm-internals.js';

const ZERO = new Int32Array(1);

function batchMatMulKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as WasmBackend;
  const a = args.inputs.a as tf.TensorInfo;
  const b = args.inputs.b as tf.TensorInfo;
  const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
  if (a.dtype !== 'float32' || b.dtype !== 'float32') {
    throw new Error(`BatchMatMul (darl native): only float32 is supported, got a ${a.dtype} and b ${b.dtype}.`);
  }
  const { M, N, K: Ka, aOuter, bOuter, outOuter } = batchMatMulSizes(a, b, transposeA, transposeB);
  const out = backend.makeOutput([...outOuter, M, N], 'float32');
  const batchOut = tf.util.sizeFromShape(outOuter);
  if (batchOut * M * N === 0) return out;
  const batchA = tf.util.sizeFromShape(aOuter);
  const batchB = tf.util.sizeFromShape(bOuter);
  const heap = backend.wasm.HEAPU8.buffer; // read after makeOutput: allocation may have grown the heap
  const aOff = wasmData(backend, a).memoryOffset;
  const bOff = wasmData(backend, b).memoryOffset;
  const oOff = wasmData(backend, out).memoryOffset;
  const native = nativeKernels();
  if (batchB === 1 && batchA === batchOut && !transposeA) {
    native.batchMatMul(heap, aOff, bOff, oOff, 1, batchA * M, N, Ka, false, transposeB, ZERO, ZERO);
  } else {
    const idx = broadcastIndices(outOuter, aOuter, bOuter);
    native.batchMatMul(heap, aOff, bOff, oOff, batchOut, M, N, Ka, transposeA, transposeB, idx.a, idx.b);
  }
  return out;
}

/** The native `BatchMatMul` override (on the wasm backend's tensors). */
export const nativeBatchMatMulOverride: KernelOverride = {
  name: 'BatchMatMul (native packed SGEMM, multi-threaded)',
  kernels: [{ kernelName: tf.BatchMatMul, kernelFunc: batchMatMulKernel as unknown as tf.KernelFunc }],
};
