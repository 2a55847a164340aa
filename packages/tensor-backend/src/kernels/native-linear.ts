/**
 * The native backend's fused Linear kernel (`DarlLinear`, see `ops/linear.ts`): the addon's SGEMM writes `x · w`,
 * then its broadcasting add puts the bias in place, in one tfjs kernel call. Its gradient is three kernels.
 *
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';
import { LINEAR_KERNEL } from '../ops/linear.js';
import type { FusedKernelArgs, FusedKernels } from './fused-ops.generated.js';
import { NATIVE_BINARY_OPS } from './native-abi.generated.js';
import { nativeKernels } from './native-kernels.js';
import { wasmData, type WasmBackend } from './wasm-internals.js';

const ZERO = new Int32Array(1);

/** Inputs `x [M, K]`, `w [K, N]`, `b [N]`; output `x · w + b [M, N]`. */
function linearKernel({ inputs: { x, w, b }, backend }: FusedKernelArgs<'LINEAR_KERNEL', WasmBackend>): tf.TensorInfo {
  const [M, K] = x.shape as [number, number];
  const N = w.shape[1] as number;
  if (w.shape[0] !== K || b.shape[0] !== N) throw new Error(`${LINEAR_KERNEL}: shapes ${JSON.stringify([x.shape, w.shape, b.shape])} do not match.`);
  const out = backend.makeOutput([M, N], 'float32');
  if (M * N === 0) return out;
  const heap = backend.wasm.HEAPU8.buffer; // read after makeOutput: allocation may have grown the heap
  const off = (t: tf.TensorInfo): number => wasmData(backend, t).memoryOffset;
  const native = nativeKernels();
  native.batchMatMul(heap, off(x), off(w), off(out), 1, M, N, K, false, false, ZERO, ZERO);
  native.binary(heap, NATIVE_BINARY_OPS.Add, off(out), Int32Array.of(N, 1), off(b), Int32Array.of(0, 1), off(out), Int32Array.of(M, N));
  return out;
}

/** The Linear kernel by tfjs kernel name, for the kernel table's `linear` entry. */
export function kernels(): FusedKernels<'native', 'linear', WasmBackend> {
  return { [LINEAR_KERNEL]: linearKernel };
}
