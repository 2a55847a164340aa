/**
 * How the native backend's many-tensor kernels (AdamW, EMA, sum of squares) pass their tensors to the addon: byte
 * offsets on the wasm heap, `k` operands per tensor, and each tensor's element count.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { wasmData, type WasmBackend } from './wasm-internals.js';

/**
 * Offsets `[k·i + o]` of operand `names[o] + i` (e.g. `p3`) of `inputs` and the sizes, for tensors `i < count`.
 * Throws (a bug in darl's op) if an operand is not float32 or differs in size from the first of its tensor.
 */
export function tensorList(
  kernelName: string,
  backend: WasmBackend,
  inputs: tf.NamedTensorInfoMap,
  names: readonly string[],
  count: number,
): { offsets: Float64Array; sizes: Float64Array } {
  const k = names.length;
  const offsets = new Float64Array(k * count);
  const sizes = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    names.forEach((name, o) => {
      const t = inputs[`${name}${i}`] as tf.TensorInfo | undefined;
      const n = t ? tf.util.sizeFromShape(t.shape) : -1;
      if (o === 0) sizes[i] = n;
      if (!t || t.dtype !== 'float32' || n !== sizes[i]) throw new Error(`${kernelName}: input ${name}${i} is missing or not float32 of ${sizes[i]} values.`);
      offsets[k * i + o] = wasmData(backend, t).memoryOffset;
    });
  }
  return { offsets, sizes };
}
