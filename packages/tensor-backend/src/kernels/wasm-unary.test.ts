import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../backend.js';
import { expectNoLeak } from '../testing/no-leak.js';
import { wasmUnaryOverride } from './wasm-unary.js';

describe('wasmUnaryOverride', () => {
  it('applies the array function to float32 tensors on the heap and delegates other dtypes to the stock kernel', async () => {
    await useBackend('wasm');
    const override = wasmUnaryOverride(tf.Tanh, 'test', (x, xOff, out, outOff, n) => {
      for (let i = 0; i < n; i++) out[outOff + i] = 2 * (x[xOff + i] as number);
    });
    const kernel = override.kernels[0]!;
    expect(kernel.kernelName).toBe(tf.Tanh);
    const backend = tf.backend();
    const x = tf.tensor1d([1, -2, 3.5]);
    const info = kernel.kernelFunc({ inputs: { x }, backend, attrs: {} }) as tf.TensorInfo;
    const y = tf.engine().makeTensorFromTensorInfo(info);
    expect(Array.from(y.dataSync())).toEqual([2, -4, 7]);
    const z = tf.zeros([0]);
    const empty = tf.engine().makeTensorFromTensorInfo(kernel.kernelFunc({ inputs: { x: z }, backend, attrs: {} }) as tf.TensorInfo);
    expect(empty.shape).toEqual([0]);
    tf.dispose([x, y, z, empty]);
  });

  it('leaks nothing through a registered override', async () => {
    await useBackend('wasm');
    await expectNoLeak(() => tf.tidy(() => tf.tanh(tf.ones([2, 3]))), 'wasmUnaryOverride');
  });
});
