/**
 * `BatchMatMul` for the wasm backend, routed to its fast path. The stock kernel uses XNNPACK's GEMM only when both
 * operands have batch size 1 and neither is transposed; everything else (every matmul gradient, attention) falls to a
 * scalar loop at ~2 GFLOP/s. This override
 *
 * 1. makes transposes explicit (a blocked heap transpose, see `wasm-transpose.ts`),
 * 2. flattens a shared-weight product (`b` with batch size 1) into one 2-D GEMM `[batch·M, K] @ [K, N]`,
 * 3. runs genuinely batched products (attention) as one XNNPACK GEMM per batch item, on zero-copy views of the
 *    operands registered with the wasm tensor registry, with full batch broadcasting.
 *
 * Tiny products with identical batch shapes (per-token matmuls during generation) stay on the stock kernel.
 *
 * It computes exactly what the stock kernel computes (`out = op(a) @ op(b)` with tf's broadcasting of the batch
 * dimensions), so tfjs's registered BatchMatMul gradient stays valid.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { originalKernel, type KernelOverride } from './kernel-registry.js';
import { wasmTranspose } from './wasm-transpose.js';
import { batchMatMulSizes, broadcastIndices } from './batch-broadcast.js';
import { registerView, releaseView, shapeBytes, wasmData, wasmFunction, type WasmBackend } from './wasm-internals.js';

/**
 * Products with fewer multiply-adds than this and identical batch shapes go to the stock kernel: its scalar loop
 * needs no temporaries, which wins for the tiny per-token matmuls of KV-cache generation. Unbatched, non-transposed
 * products go there too: that is the stock kernel's own XNNPACK fast path, which caches the packed weights.
 */
const SMALL_PRODUCT_MACS = 65536;

const BATCH_MAT_MUL_ARGS = ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number'];

/** Runs the compiled kernel's XNNPACK path: `out [M, N] = a [M, K] @ b [K, N]` on wasm tensor ids. */
function gemm(backend: WasmBackend, aId: number, bId: number, outId: number, M: number, K: number, N: number): void {
  const fn = wasmFunction(backend, tf.BatchMatMul, BATCH_MAT_MUL_ARGS);
  const aShape = [1, M, K];
  const bShape = [1, K, N];
  fn(aId, shapeBytes(aShape), 3, bId, shapeBytes(bShape), 3, 0, 0, outId);
}

/** Swaps the last two axes of a tensor: the explicit form of a transposed matmul operand. */
function swapLastTwo(backend: WasmBackend, x: tf.TensorInfo): tf.TensorInfo {
  const r = x.shape.length;
  const perm = x.shape.map((_, i) => i);
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return wasmTranspose(backend, x, perm);
}

function batchMatMulKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as WasmBackend;
  const a0 = args.inputs.a as tf.TensorInfo;
  const b0 = args.inputs.b as tf.TensorInfo;
  const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
  if (a0.dtype !== 'float32' || b0.dtype !== 'float32') {
    throw new Error(`BatchMatMul (darl wasm override): only float32 is supported, got a ${a0.dtype} and b ${b0.dtype}.`);
  }
  const { M, N, K, aOuter, bOuter, outOuter } = batchMatMulSizes(a0, b0, transposeA, transposeB);
  const out = backend.makeOutput([...outOuter, M, N], 'float32');
  const batchOut = tf.util.sizeFromShape(outOuter);
  if (batchOut * M * N === 0) return out;
  if (K === 0) {
    new Float32Array(backend.wasm.HEAPU8.buffer, wasmData(backend, out).memoryOffset, batchOut * M * N).fill(0);
    return out;
  }
  const stockFastPath = !transposeA && !transposeB && batchOut === 1; // the stock kernel's own XNNPACK path (operators cached per weight)
  const small = batchOut * M * N * K < SMALL_PRODUCT_MACS && aOuter.length === bOuter.length && aOuter.every((d, i) => d === bOuter[i]);
  if (stockFastPath || small) {
    backend.disposeData(out.dataId);
    const original = originalKernel(tf.BatchMatMul, 'wasm');
    if (original) return original.kernelFunc(args as never) as tf.TensorInfo;
    throw new Error("BatchMatMul (darl wasm override): the wasm backend's own kernel is missing.");
  }
  const temps: tf.TensorInfo[] = [];
  const a = transposeA ? swapLastTwo(backend, a0) : a0;
  if (a !== a0) temps.push(a);
  const b = transposeB ? swapLastTwo(backend, b0) : b0;
  if (b !== b0) temps.push(b);
  try {
    const batchA = tf.util.sizeFromShape(aOuter);
    const batchB = tf.util.sizeFromShape(bOuter);
    if (batchB === 1 && batchA === batchOut) {
      // Shared weights: one GEMM over all rows of all batch items.
      gemm(backend, wasmData(backend, a).id, wasmData(backend, b).id, wasmData(backend, out).id, batchA * M, K, N);
    } else {
      const { a: ai, b: bi } = broadcastIndices(outOuter, aOuter, bOuter);
      const aOff = wasmData(backend, a).memoryOffset;
      const bOff = wasmData(backend, b).memoryOffset;
      const oOff = wasmData(backend, out).memoryOffset;
      for (let o = 0; o < batchOut; o++) {
        const aId = registerView(backend, aOff + 4 * (ai[o] as number) * M * K, M * K);
        const bId = registerView(backend, bOff + 4 * (bi[o] as number) * K * N, K * N);
        const oId = registerView(backend, oOff + 4 * o * M * N, M * N);
        try {
          gemm(backend, aId, bId, oId, M, K, N);
        } finally {
          releaseView(backend, aId);
          releaseView(backend, bId);
          releaseView(backend, oId);
        }
      }
    }
  } finally {
    for (const t of temps) backend.disposeData(t.dataId);
  }
  return out;
}

/** The wasm `BatchMatMul` override. */
export const wasmBatchMatMulOverride: KernelOverride = {
  name: 'BatchMatMul (explicit transposes, flattened/looped XNNPACK GEMM)',
  kernels: [{ kernelName: tf.BatchMatMul, kernelFunc: batchMatMulKernel as unknown as tf.KernelFunc }],
};
