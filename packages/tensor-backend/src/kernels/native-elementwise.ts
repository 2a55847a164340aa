/**
 * Elementwise, slicing and reduction kernels of darl's native backend: the wasm backend's float32 tensors processed
 * in place on the wasm heap by the native addon's multi-threaded loops. Other dtypes and the cases a kernel does not
 * cover go to the wasm backend's own kernel, so each override computes exactly what the stock kernel computes.
 *
 * - Unary: the tfjs kernels named in {@link NATIVE_UNARY_OPS} (`Exp`, `Erf` with tfjs's own Abramowitz–Stegun
 *   formula, `Neg`, `Square`, `Sqrt`, `Rsqrt`, `Abs`, `Log`).
 * - Binary with tf's broadcasting: the tfjs kernels named in {@link NATIVE_BINARY_OPS} (`Add`, `Sub`, `Multiply`,
 *   `RealDiv`, `SquaredDifference`, `Maximum`, `Minimum`).
 * - `Slice` (strided box copy).
 * - `Sum` over leading or trailing axes (bias gradients, row sums); other axis sets go to the stock kernel.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { originalKernel, type KernelOverride } from './kernel-registry.js';
import { NATIVE_BINARY_OPS, NATIVE_UNARY_OPS } from './native-abi.generated.js';
import { nativeKernels } from './native-kernels.js';
import { wasmData, type WasmBackend } from './wasm-internals.js';

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

function stock(kernelName: string, args: KernelArgs): tf.TensorInfo {
  const original = originalKernel(kernelName, 'wasm');
  if (!original) throw new Error(`${kernelName} (darl native): the wasm backend's own kernel is missing.`);
  return original.kernelFunc(args as never) as tf.TensorInfo;
}

function offset(backend: WasmBackend, t: tf.TensorInfo): number {
  return wasmData(backend, t).memoryOffset;
}

function unaryKernel(kernelName: string, op: number): tf.KernelFunc {
  return ((args: KernelArgs) => {
    const backend = args.backend as WasmBackend;
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype !== 'float32') return stock(kernelName, args);
    const out = backend.makeOutput([...x.shape], 'float32');
    const n = tf.util.sizeFromShape(x.shape);
    if (n > 0) nativeKernels().unary(backend.wasm.HEAPU8.buffer, op, offset(backend, x), offset(backend, out), n);
    return out;
  }) as unknown as tf.KernelFunc;
}

/** Element strides of `shape` read as `outShape` under broadcasting (0 on broadcast dimensions). */
function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const r = outShape.length;
  const padded = new Array<number>(r - shape.length).fill(1).concat(shape);
  const strides = new Array<number>(r);
  let s = 1;
  for (let d = r - 1; d >= 0; d--) {
    const n = padded[d] as number;
    strides[d] = n === 1 ? 0 : s;
    s *= n;
  }
  return strides;
}

/**
 * The broadcast of `a` and `b` to `outShape` with dimensions of size 1 dropped and neighbouring dimensions merged
 * wherever both operands step through them alike (contiguously, or not at all), so that the native loop runs over
 * the longest possible inner dimension: `[256, 49, 16] − [256, 49, 1]` becomes `[12544, 16]` with `b`'s inner
 * stride 0, and `[256, 49, 1] + scalar` one loop of 12 544. Returns at least one dimension.
 */
export function collapseBroadcast(
  aShape: readonly number[],
  bShape: readonly number[],
  outShape: readonly number[],
): { shape: number[]; aStrides: number[]; bStrides: number[] } {
  const as = broadcastStrides(aShape, outShape);
  const bs = broadcastStrides(bShape, outShape);
  const shape: number[] = [];
  const aStrides: number[] = [];
  const bStrides: number[] = [];
  for (let d = 0; d < outShape.length; d++) {
    const n = outShape[d] as number;
    if (n === 1) continue;
    const k = shape.length - 1;
    // Merge into the previous kept dimension when, for both operands, stepping it equals n steps of this one.
    if (k >= 0 && aStrides[k] === (as[d] as number) * n && bStrides[k] === (bs[d] as number) * n) {
      shape[k] = (shape[k] as number) * n;
      aStrides[k] = as[d] as number;
      bStrides[k] = bs[d] as number;
      continue;
    }
    shape.push(n);
    aStrides.push(as[d] as number);
    bStrides.push(bs[d] as number);
  }
  if (shape.length === 0) return { shape: [1], aStrides: [0], bStrides: [0] };
  return { shape, aStrides, bStrides };
}

function binaryKernel(kernelName: string, op: number): tf.KernelFunc {
  return ((args: KernelArgs) => {
    const backend = args.backend as WasmBackend;
    const a = args.inputs.a as tf.TensorInfo;
    const b = args.inputs.b as tf.TensorInfo;
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return stock(kernelName, args);
    const outShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const c = collapseBroadcast(a.shape, b.shape, outShape);
    if (c.shape.length > 8) return stock(kernelName, args);
    const out = backend.makeOutput(outShape, 'float32');
    if (tf.util.sizeFromShape(outShape) === 0) return out;
    nativeKernels().binary(
      backend.wasm.HEAPU8.buffer,
      op,
      offset(backend, a),
      Int32Array.from(c.aStrides),
      offset(backend, b),
      Int32Array.from(c.bStrides),
      offset(backend, out),
      Int32Array.from(c.shape),
    );
    return out;
  }) as unknown as tf.KernelFunc;
}

function sliceKernel(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackend;
  const x = args.inputs.x as tf.TensorInfo;
  const { begin, size } = args.attrs as unknown as tf.SliceAttrs;
  if (x.dtype !== 'float32' || x.shape.length === 0 || x.shape.length > 8) return stock(tf.Slice, args);
  const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size) as [number[], number[]];
  tf.slice_util.assertParamsValid(x as tf.Tensor, b, s);
  const out = backend.makeOutput(s, 'float32');
  if (tf.util.sizeFromShape(s) === 0) return out;
  nativeKernels().slice(backend.wasm.HEAPU8.buffer, offset(backend, x), Int32Array.from(x.shape), Int32Array.from(b), Int32Array.from(s), offset(backend, out));
  return out;
}

function sumKernel(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackend;
  const x = args.inputs.x as tf.TensorInfo;
  const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
  const r = x.shape.length;
  if (x.dtype !== 'float32' || r === 0) return stock(tf.Sum, args);
  const axes = [...new Set(tf.util.parseAxisParam(axis, x.shape))].sort((p, q) => p - q);
  const k = axes.length;
  const leading = k > 0 && axes.every((a, i) => a === i);
  const trailing = k > 0 && axes.every((a, i) => a === r - k + i);
  if (!leading && !trailing) return stock(tf.Sum, args);
  const outShape = keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
  const out = backend.makeOutput(outShape, 'float32');
  const reduced = tf.util.sizeFromShape(axes.map((a) => x.shape[a] as number));
  const kept = tf.util.sizeFromShape(outShape);
  if (kept === 0) return out;
  const heap = backend.wasm.HEAPU8.buffer;
  // A trailing reduction is [kept, reduced] summed over columns; a leading one [reduced, kept] over rows.
  if (trailing) nativeKernels().sum(heap, offset(backend, x), kept, reduced, offset(backend, out), true);
  else nativeKernels().sum(heap, offset(backend, x), reduced, kept, offset(backend, out), false);
  return out;
}

/** The native unary, binary, slice and sum overrides (on the wasm backend's tensors). */
export const nativeElementwiseOverride: KernelOverride = {
  name: `${[...Object.keys(NATIVE_UNARY_OPS), ...Object.keys(NATIVE_BINARY_OPS), tf.Slice, tf.Sum].join(', ')} (native, multi-threaded)`,
  kernels: [
    ...Object.entries(NATIVE_UNARY_OPS).map(([kernelName, op]) => ({ kernelName, kernelFunc: unaryKernel(kernelName, op) })),
    ...Object.entries(NATIVE_BINARY_OPS).map(([kernelName, op]) => ({ kernelName, kernelFunc: binaryKernel(kernelName, op) })),
    { kernelName: tf.Slice, kernelFunc: sliceKernel as unknown as tf.KernelFunc },
    { kernelName: tf.Sum, kernelFunc: sumKernel as unknown as tf.KernelFunc },
  ],
};
