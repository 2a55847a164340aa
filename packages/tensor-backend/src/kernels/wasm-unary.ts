/**
 * Builds a float32 elementwise kernel for the wasm backend from a JavaScript array function that runs directly on the
 * wasm heap (no copies): used for the transcendental functions whose stock kernels are scalar libm loops.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { originalKernel, type KernelOverride } from './kernel-registry.js';
import { wasmData, type WasmBackend } from './wasm-internals.js';

/** `fn(x, xOffset, out, outOffset, n)` over float32 element offsets. */
export type UnaryArrayFunction = (x: Float32Array, xOff: number, out: Float32Array, outOff: number, n: number) => void;

/**
 * A `KernelOverride` for `kernelName` on wasm computing `fn` on float32 inputs; other dtypes go to the stock kernel.
 * `fn` must compute the same function as the stock kernel (to float32 accuracy) so tfjs's registered gradient holds.
 */
export function wasmUnaryOverride(kernelName: string, name: string, fn: UnaryArrayFunction): KernelOverride {
  const kernelFunc = (args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo | tf.TensorInfo[] => {
    const backend = args.backend as WasmBackend;
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype !== 'float32') {
      const original = originalKernel(kernelName, 'wasm');
      if (!original) throw new Error(`${kernelName} (darl wasm override): no stock kernel for dtype ${x.dtype}.`);
      return original.kernelFunc(args as never);
    }
    const out = backend.makeOutput(x.shape, 'float32');
    const n = tf.util.sizeFromShape(x.shape);
    if (n === 0) return out;
    const heap = new Float32Array(backend.wasm.HEAPU8.buffer as ArrayBuffer); // after makeOutput: the heap may have grown
    fn(heap, wasmData(backend, x).memoryOffset / 4, heap, wasmData(backend, out).memoryOffset / 4, n);
    return out;
  };
  return { name, kernels: [{ kernelName, kernelFunc: kernelFunc as unknown as tf.KernelFunc }] };
}
