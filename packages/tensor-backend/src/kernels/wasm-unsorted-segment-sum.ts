/**
 * `UnsortedSegmentSum` for the wasm backend, which has none (so the gradient of `tf.gather`, e.g. of an embedding
 * lookup, fails there). TensorFlow semantics: `segmentIds` int32 with shape `x.shape[0:r]`,
 * `out [numSegments, ...x.shape[r:]]`, `out[s] = Σ_{i : ids[i] = s} x[i]`; ids outside `[0, numSegments)` are dropped.
 * float32 and int32 values; runs on the wasm heap.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelOverride } from './kernel-registry.js';
import { wasmData, type WasmBackend } from './wasm-internals.js';

function unsortedSegmentSumKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as WasmBackend;
  const x = args.inputs.x as tf.TensorInfo;
  const ids = args.inputs.segmentIds as tf.TensorInfo;
  const numSegments = (args.attrs as unknown as tf.UnsortedSegmentSumAttrs).numSegments;
  const r = ids.shape.length;
  if (ids.dtype !== 'int32' || r > x.shape.length || ids.shape.some((d, i) => d !== x.shape[i])) {
    throw new Error(
      `UnsortedSegmentSum (darl wasm kernel): segmentIds must be int32 with shape equal to the leading dimensions of x; ` +
        `got segmentIds ${ids.dtype} [${ids.shape}] for x [${x.shape}].`,
    );
  }
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new Error(`UnsortedSegmentSum (darl wasm kernel): x must be float32 or int32, got ${x.dtype}.`);
  }
  const innerShape = x.shape.slice(r);
  const inner = tf.util.sizeFromShape(innerShape);
  const n = tf.util.sizeFromShape(ids.shape);
  const out = backend.makeOutput([numSegments, ...innerShape], x.dtype);
  const buf = backend.wasm.HEAPU8.buffer as ArrayBuffer; // after makeOutput: the heap may have grown
  const Arr = x.dtype === 'float32' ? Float32Array : Int32Array;
  const o = new Arr(buf, wasmData(backend, out).memoryOffset, numSegments * inner);
  o.fill(0);
  if (inner === 0 || n === 0) return out;
  const xs = new Arr(buf, wasmData(backend, x).memoryOffset, n * inner);
  const seg = new Int32Array(buf, wasmData(backend, ids).memoryOffset, n);
  for (let i = 0; i < n; i++) {
    const s = seg[i] as number;
    if (s < 0 || s >= numSegments) continue;
    const ob = s * inner;
    const xb = i * inner;
    for (let j = 0; j < inner; j++) o[ob + j] = (o[ob + j] as number) + (xs[xb + j] as number);
  }
  return out;
}

/** The wasm `UnsortedSegmentSum` kernel (missing from the stock backend). */
export const wasmUnsortedSegmentSumOverride: KernelOverride = {
  name: 'UnsortedSegmentSum (added; enables gather/embedding gradients)',
  kernels: [{ kernelName: tf.UnsortedSegmentSum, kernelFunc: unsortedSegmentSumKernel as unknown as tf.KernelFunc }],
};
