/**
 * The native backend's fused Linear kernel (`DarlLinear`, see `ops/linear.ts`): the addon's SGEMM writes `x · w`,
 * then its broadcasting add puts the bias in place, in one tfjs kernel call.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { LINEAR_KERNEL, linearGradConfig } from '../ops/linear.js';
import type { KernelOverride } from './kernel-registry.js';
import { NATIVE_BINARY_OPS } from './native-abi.generated.js';
import { nativeKernels } from './native-kernels.js';
import { wasmData, type WasmBackend } from './wasm-internals.js';

const ZERO = new Int32Array(1);

function linearKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const backend = args.backend as WasmBackend;
  const { x, w, b } = args.inputs as Record<string, tf.TensorInfo>;
  const [M, K] = x!.shape as [number, number];
  const N = w!.shape[1] as number;
  if (w!.shape[0] !== K || b!.shape[0] !== N) throw new Error(`${LINEAR_KERNEL}: shapes ${JSON.stringify([x!.shape, w!.shape, b!.shape])} do not match.`);
  const out = backend.makeOutput([M, N], 'float32');
  if (M * N === 0) return out;
  const heap = backend.wasm.HEAPU8.buffer; // read after makeOutput: allocation may have grown the heap
  const off = (t: tf.TensorInfo): number => wasmData(backend, t).memoryOffset;
  const native = nativeKernels();
  native.batchMatMul(heap, off(x!), off(w!), off(out), 1, M, N, K, false, false, ZERO, ZERO);
  native.binary(heap, NATIVE_BINARY_OPS.Add, off(out), Int32Array.of(N, 1), off(b!), Int32Array.of(0, 1), off(out), Int32Array.of(M, N));
  return out;
}

/** Fused Linear (GEMM + bias), forward; its gradient is three kernels (native). */
export const nativeLinearOverride: KernelOverride = {
  name: 'Linear (native fused GEMM + bias)',
  own: true,
  kernels: [{ kernelName: LINEAR_KERNEL, kernelFunc: linearKernel as unknown as tf.KernelFunc }],
  gradients: [linearGradConfig],
};
