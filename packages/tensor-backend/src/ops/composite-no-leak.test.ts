import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { useBackend } from '../backend.js';
import { expectNoLeak } from '../testing/no-leak.js';
import { biasGelu, gelu } from './gelu.js';
import { hasKernel } from './has-kernel.js';
import { LAYER_NORM_KERNEL, layerNorm } from './layer-norm.js';
import { linear } from './linear.js';
import { sumSquares } from './sum-squares.js';

it('the composite paths (cpu backend) leak no tensors, forward and backward, outside any tidy', async () => {
  await useBackend('cpu');
  expect(hasKernel(LAYER_NORM_KERNEL)).toBe(false);
  const [x, w, b] = [tf.ones([4, 3]) as tf.Tensor2D, tf.ones([3, 3]), tf.ones([3])];
  await expectNoLeak(
    () => [
      layerNorm(x, b, b, 1e-6),
      gelu(x),
      biasGelu(x, b),
      linear(x, w, b),
      sumSquares([x, w]),
      ...tf.grads((p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) => tf.add(layerNorm(linear(p as tf.Tensor2D, q, r), r, r, 1e-6), biasGelu(gelu(p), r)))([x, w, b]),
    ],
    'composite fused ops',
  );
  tf.dispose([x, w, b]);
});
