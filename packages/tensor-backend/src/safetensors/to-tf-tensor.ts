/**
 * Turning a decoded safetensors entry into a tfjs tensor.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { SafetensorsError, type SafetensorsEntry } from './format.js';
import { bfloat16BitsToFloat32Array, float16BitsToFloat32Array } from './half-precision.js';

/**
 * A new tfjs tensor (owned by the caller) with the entry's shape: F32, F16 and BF16 become float32; I32 and U8
 * become int32; I64 becomes int32 when every value fits (otherwise an error naming the tensor).
 *
 * @param entry a decoded entry, e.g. `decodeSafetensors(bytes).tensors['blocks/0/w']`
 * @param name used in error messages
 */
export function toTfTensor(entry: SafetensorsEntry, name = 'tensor'): tf.Tensor {
  const shape = [...entry.shape];
  const size = shape.reduce((a, b) => a * b, 1);
  if (entry.data.length !== size) {
    throw new SafetensorsError(`toTfTensor: "${name}" has shape [${shape.join(', ')}] (${size} elements) but ${entry.data.length} data elements.`);
  }
  switch (entry.dtype) {
    case 'F32':
      return tf.tensor(entry.data as Float32Array, shape, 'float32');
    case 'F16':
      return tf.tensor(float16BitsToFloat32Array(entry.data as Uint16Array), shape, 'float32');
    case 'BF16':
      return tf.tensor(bfloat16BitsToFloat32Array(entry.data as Uint16Array), shape, 'float32');
    case 'I32':
      return tf.tensor(entry.data as Int32Array, shape, 'int32');
    case 'U8':
      return tf.tensor(Int32Array.from(entry.data as Uint8Array), shape, 'int32');
    case 'I64': {
      const src = entry.data as BigInt64Array;
      const out = new Int32Array(src.length);
      for (let i = 0; i < src.length; i++) {
        const v = src[i]!;
        if (v < -2147483648n || v > 2147483647n) {
          throw new SafetensorsError(
            `toTfTensor: "${name}" is I64 and element ${i} (${v}) does not fit in int32, the widest integer type of tfjs; read its data as a BigInt64Array instead.`,
          );
        }
        out[i] = Number(v);
      }
      return tf.tensor(out, shape, 'int32');
    }
  }
  throw new SafetensorsError(`toTfTensor: "${name}" has unsupported dtype ${String((entry as { dtype: unknown }).dtype)}.`);
}
